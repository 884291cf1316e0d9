using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>
/// An account's TLS requirement as <c>mysql.user</c> records it (<c>ssl_type</c>, <c>ssl_cipher</c>,
/// <c>x509_issuer</c>, <c>x509_subject</c>), as the <c>REQUIRE</c> clause that gives another account the same.
/// The cipher, issuer and subject are bound parameters.
/// </summary>
internal sealed record TlsRequirement(string Type, string Cipher, string Issuer, string Subject)
{
    /// <summary>The clause, naming the values as <c>@cipher</c>, <c>@issuer</c> and <c>@subject</c> (see <see cref="Bind"/>).</summary>
    /// <exception cref="FormatException">An ssl_type this rotator does not know.</exception>
    public string Clause => Type.ToUpperInvariant() switch
    {
        "" => "REQUIRE NONE",
        "ANY" => "REQUIRE SSL",
        "X509" => "REQUIRE X509",
        "SPECIFIED" => Specified(),
        _ => throw new FormatException($"mysql.user lists ssl_type '{(Type.Length <= 16 ? Type : Type[..16])}', which the rotator cannot copy"),
    };

    public void Bind(MySqlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.AddWithValue("@cipher", Cipher);
        command.Parameters.AddWithValue("@issuer", Issuer);
        command.Parameters.AddWithValue("@subject", Subject);
    }

    // Only the parts that are set; with none, SPECIFIED demands TLS and nothing more.
    private string Specified()
    {
        var parts = new List<string>(3);
        if (Cipher.Length > 0)
        {
            parts.Add("CIPHER @cipher");
        }

        if (Issuer.Length > 0)
        {
            parts.Add("ISSUER @issuer");
        }

        if (Subject.Length > 0)
        {
            parts.Add("SUBJECT @subject");
        }

        return parts.Count == 0 ? "REQUIRE SSL" : "REQUIRE " + string.Join(" AND ", parts);
    }
}

/// <summary>
/// MySqlConnector takes the CAs of its own chain check (<c>SslCa</c>) only as a file. The CA bundle of a request or of
/// the environment is written once per process to a file named after its content, under the temporary directory
/// (Lambda's <c>/tmp</c>), and reused.
/// </summary>
internal static class TrustedAuthoritiesFile
{
    private static readonly ConditionalWeakTable<X509Certificate2Collection, string> Paths = [];

    public static string PathFor(X509Certificate2Collection authorities) =>
        Paths.GetValue(authorities, static collection => Write(collection));

    private static string Write(X509Certificate2Collection authorities)
    {
        var pem = new StringBuilder();
        foreach (var authority in authorities)
        {
            pem.Append(PemEncoding.Write("CERTIFICATE", authority.RawData)).Append('\n');
        }

        var bytes = Encoding.ASCII.GetBytes(pem.ToString());
        var directory = Path.Combine(Path.GetTempPath(), "esc-rotators");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"ca-{Convert.ToHexStringLower(SHA256.HashData(bytes))}.pem");
        if (!File.Exists(path))
        {
            // Written aside and moved into place, so that a concurrent reader never sees half a bundle.
            var partial = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, path, overwrite: true);
        }

        return path;
    }
}
