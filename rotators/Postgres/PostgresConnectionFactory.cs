using EscRotators.Engines;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>
/// Opens one unpooled connection per call. Uses the slim data source builder (small Native AOT binary) and skips
/// type loading, which would otherwise cost a catalogue query on every cold connection.
/// </summary>
internal static class PostgresConnectionFactory
{
    private const string ApplicationName = "esc-rotator";

    public static NpgsqlDataSource Create(DatabaseEndpoint endpoint, Credential login, ServerCertificateCheck check)
    {
        var timeoutSeconds = endpoint.ConnectTimeoutSeconds;
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Database = endpoint.Database,
            Username = login.Username,
            Password = login.Password,
            Pooling = false,
            Enlist = false,
            Multiplexing = false,
            Timeout = timeoutSeconds,
            CommandTimeout = timeoutSeconds,
            ApplicationName = ApplicationName,
            IncludeErrorDetail = true,

            // Npgsql otherwise probes GSS encryption with a throwaway TCP connection before every login.
            GssEncryptionMode = GssEncryptionMode.Disable,

            // Certificate checks are ours (ServerCertificateCheck), so the driver only has to encrypt.
            SslMode = endpoint.Tls.Mode switch
            {
                TlsMode.Disable => SslMode.Disable,
                TlsMode.Prefer => SslMode.Prefer,
                _ => SslMode.Require,
            },
        };

        var builder = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        if (endpoint.Tls.Mode != TlsMode.Disable)
        {
            builder.EnableTransportSecurity();
            builder.UseSslClientAuthenticationOptionsCallback(options =>
            {
                options.RemoteCertificateValidationCallback = check.Validate;
                options.CertificateChainPolicy = check.ChainPolicy;
            });
        }

        return builder.Build();
    }
}
