using EscRotators.Engines;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>
/// Builds one unpooled data source (and so one connection) per login. Uses the slim data source builder (small Native
/// AOT binary) and skips type loading, which would otherwise cost a catalogue query on every cold connection.
/// </summary>
internal static class PostgresDataSourceFactory
{
    private const string ApplicationName = "esc-rotator";

    public static NpgsqlDataSource CreateDataSource(DatabaseEndpoint endpoint, Credential login, ServerCertificateCheck check)
    {
        var timeoutSeconds = endpoint.ConnectTimeoutSeconds;
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Database = endpoint.Database,
            Username = login.Username,
            Pooling = false,
            Enlist = false,
            Multiplexing = false,
            Timeout = timeoutSeconds,
            CommandTimeout = timeoutSeconds,
            ApplicationName = ApplicationName,
            IncludeErrorDetail = true,

            // On a timeout or our cancellation, break the socket at once instead of waiting for the server to
            // acknowledge a cancel request: a silent server never does, and closing would then drain for another timeout.
            CancellationTimeout = -1,

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

        // Without a required, checked TLS channel the connection may be plaintext: never answer a server's request
        // for the password in the clear (AuthenticationCleartextPassword), which anyone in the path could ask for.
        if (endpoint.Tls.Mode is TlsMode.Disable or TlsMode.Prefer)
        {
            settings.RequireAuth = "!Password";
        }

        var builder = new NpgsqlSlimDataSourceBuilder(settings.ConnectionString);

        // The password never goes through the connection string, whose round trip trims surrounding white space.
        var password = login.Password;
        builder.UsePasswordProvider(_ => password, (_, _) => ValueTask.FromResult(password));
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        if (endpoint.Tls.Mode != TlsMode.Disable)
        {
            builder.EnableTransportSecurity();
            builder.UseSslClientAuthenticationOptionsCallback(options => check.ApplyTo(options));
        }

        return builder.Build();
    }
}
