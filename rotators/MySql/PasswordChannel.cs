using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// Whether the verification login, the rotated user's first login with its new password, may hand a MySQL server the
/// password itself; read from the rotated account's plugin (which MySQL's <c>ALTER USER ... IDENTIFIED BY</c> keeps) and
/// from what the open managing connection showed about the server's certificate, before anything changes. MariaDB
/// needs no such check: its password statement makes the account mysql_native_password, a challenge-response login.
/// </summary>
/// <remarks>
/// MySqlConnector sends a password itself (the clear text inside TLS; over plaintext it would need an RSA key it does
/// not fetch) only when its TLS session verified the server's certificate. The managing connection tells which:
/// <list type="bullet">
/// <item><c>verify-ca</c>/<c>verify-full</c>: it is open, so our certificate check accepted the server.</item>
/// <item><c>prefer</c>/<c>require</c> over TLS: the driver's verifying mode let it open only when the chain verified
/// (against the CA bundle, or the system roots without one), or when the server proved after a hash-based login that
/// it knows the managing password, which only MariaDB 11.4+ does. On MySQL an open connection therefore means a
/// verified chain. (Only a server that knows the managing password's hash could offer that proof as MySQL; the driver
/// would still refuse to send it the new password, after the change, with the 400 that says so.)</item>
/// <item><c>disable</c>, and <c>prefer</c>'s plaintext fallback: nothing was verified.</item>
/// </list>
/// </remarks>
internal static class PasswordChannel
{
    // Server-side plugins whose next login hands over the password itself: a caching_sha2_password login after a
    // password change is a full one (the server's cache of the account was emptied), sha256_password always is, and
    // MySQL's PAM and simple LDAP plugins ask through mysql_clear_password. mysql_native_password is a
    // challenge-response login and sends none.
    private static readonly HashSet<string> PasswordSendingPlugins = new(StringComparer.OrdinalIgnoreCase)
    {
        "caching_sha2_password", "sha256_password", "authentication_pam", "authentication_ldap_simple",
    };

    /// <summary>
    /// The refusal, before any change, of a rotation whose verification login would need the password sent to a server
    /// whose certificate nobody verified; null when the login can go ahead.
    /// </summary>
    public static RotationFailedException? Refusal(
        FailureContext context,
        MySqlConnection managing,
        string? plugin)
    {
        // The name printed is our own spelling of it, not the server's text.
        if (plugin is null || !PasswordSendingPlugins.TryGetValue(plugin, out var known) || ServerIsVerified(context.Endpoint, managing))
        {
            return null;
        }

        var tls = context.Endpoint.Tls;
        var why = tls.Mode == TlsMode.Disable
            ? "tls.mode disable verifies no certificate"
            : $"the server offered no TLS (tls.mode {tls.Mode.ToWireName()})";
        return new RotationFailedException(
            RotationFailureKind.Tls,
            $"refusing to rotate {MySqlAccounts.Display(context.RotatedUser!)} on {context.Address}: its authentication plugin is " +
            $"{known}, whose first login after a password change hands the server the password itself, and the rotator sends a password " +
            $"only over TLS to a server whose certificate it has verified; {why}. Nothing was changed: use tls.mode verify-full " +
            "(or verify-ca) with the server's CA bundle (tls.caBundle or ESC_ROTATOR_CA_BUNDLE)");
    }

    private static bool ServerIsVerified(DatabaseEndpoint endpoint, MySqlConnection managing) =>
        endpoint.Tls.VerifiesCertificate || (endpoint.Tls.Mode is TlsMode.Prefer or TlsMode.Require && OverTls(managing));

    // prefer's plaintext fallback opens its connection with SslMode None (MySqlConnectionFactory).
    private static bool OverTls(MySqlConnection connection) =>
        new MySqlConnectionStringBuilder(connection.ConnectionString).SslMode != MySqlSslMode.None;
}
