using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// Builds one unpooled connection per call to the endpoint's own host name, with the TLS policy expressed in the
/// driver's settings, so that MySqlConnector's protections decide what a login may send.
/// </summary>
/// <remarks>
/// MySqlConnector sends a password itself (mysql_clear_password, sha256_password, a full caching_sha2_password
/// login) only over TLS to a server whose identity it verified, and fetches no RSA key over plaintext
/// (<c>AllowPublicKeyRetrieval</c> off). In its <c>Preferred</c> and <c>Required</c> modes it counts any certificate as
/// verified, so <c>prefer</c> and <c>require</c> use its <c>VerifyCA</c> mode instead: there it records the real chain
/// verdict, refuses those methods to an unverified server, and accepts a hash-based login only when the chain
/// verifies or the server proves it knows the password (MariaDB 11.4's certificate fingerprint). <c>verify-ca</c>
/// and <c>verify-full</c> keep our own check (<see cref="ServerCertificateCheck"/>), which the driver calls in
/// <c>Required</c>; a certificate it refuses fails the handshake, before any login.
/// </remarks>
internal static class MySqlConnectionFactory
{
    /// <param name="plaintext">Connect without TLS whatever the mode (prefer, against a server that offers none).</param>
    public static DriverConnection Create(
        DatabaseEndpoint endpoint,
        Credential login,
        string? database,
        ServerCertificateCheck check,
        bool plaintext = false)
    {
        var timeoutSeconds = (uint)endpoint.ConnectTimeoutSeconds;
        var settings = new MySqlConnectionStringBuilder
        {
            Server = endpoint.Host,
            Port = (uint)endpoint.Port,
            UserID = login.Username,
            Pooling = false,
            AutoEnlist = false,
            ConnectionTimeout = timeoutSeconds,
            DefaultCommandTimeout = timeoutSeconds,

            // On a command timeout or our cancellation, close the socket at once rather than send KILL QUERY and wait:
            // a silent server never answers, and a graceful close would wait for it.
            CancellationTimeout = -1,

            // Never fetch the server's RSA key over plaintext: whoever answers could hand us its own.
            AllowPublicKeyRetrieval = false,

            SslMode = plaintext ? MySqlSslMode.None : endpoint.Tls.Mode switch
            {
                TlsMode.Disable => MySqlSslMode.None,
                TlsMode.Prefer or TlsMode.Require => MySqlSslMode.VerifyCA,
                _ => MySqlSslMode.Required,
            },
        };
        if (!string.IsNullOrEmpty(database))
        {
            settings.Database = database;
        }

        if (settings.SslMode == MySqlSslMode.VerifyCA && endpoint.Tls.TrustedAuthorities is { } authorities)
        {
            settings.SslCa = TrustedAuthoritiesFile.PathFor(authorities);
        }

        var connection = new MySqlConnection(settings.ConnectionString);

        // The password never goes through the connection string, whose round trip trims surrounding white space.
        var password = login.Password;
        connection.ProvidePasswordCallback = _ => password;
        if (endpoint.Tls.VerifiesCertificate)
        {
            connection.RemoteCertificateValidationCallback = check.Validate;
        }

        return new DriverConnection(connection);
    }
}
