using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>Builds one unpooled connection per call, with TLS policy and bounded timeouts.</summary>
internal static class MySqlConnectionFactory
{
    /// <param name="through">A loopback port relaying to the server (<see cref="CleartextGuard"/>); null to connect directly.</param>
    /// <param name="requireTls">Refuse a server without TLS even in <c>prefer</c> (one that has offered it before).</param>
    public static MySqlConnection Create(
        DatabaseEndpoint endpoint,
        Credential login,
        string? database,
        ServerCertificateCheck check,
        int? through,
        bool requireTls = false)
    {
        var timeoutSeconds = (uint)endpoint.ConnectTimeoutSeconds;
        var settings = new MySqlConnectionStringBuilder
        {
            Server = through is null ? endpoint.Host : "127.0.0.1",
            Port = (uint)(through ?? endpoint.Port),
            UserID = login.Username,
            Pooling = false,
            AutoEnlist = false,
            ConnectionTimeout = timeoutSeconds,
            DefaultCommandTimeout = timeoutSeconds,

            // On a command timeout or our cancellation, close the socket at once rather than send KILL QUERY and wait:
            // a silent server never answers, and a graceful close would wait for it.
            CancellationTimeout = -1,

            // Never fetch the server's RSA key over plaintext: that is a MITM opening. With TLS (the default,
            // Prefer) caching_sha2_password completes over the encrypted channel instead.
            AllowPublicKeyRetrieval = false,

            // Certificate checks are ours (ServerCertificateCheck); the driver calls it in Preferred/Required.
            SslMode = endpoint.Tls.Mode switch
            {
                TlsMode.Disable => MySqlSslMode.None,
                TlsMode.Prefer when !requireTls => MySqlSslMode.Preferred,
                _ => MySqlSslMode.Required,
            },
        };
        if (!string.IsNullOrEmpty(database))
        {
            settings.Database = database;
        }

        var connection = new MySqlConnection(settings.ConnectionString);

        // The password never goes through the connection string, whose round trip trims surrounding white space.
        var password = login.Password;
        connection.ProvidePasswordCallback = _ => password;
        if (endpoint.Tls.VerifiesCertificate)
        {
            connection.RemoteCertificateValidationCallback = check.Validate;
        }

        return connection;
    }
}
