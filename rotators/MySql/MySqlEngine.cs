using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// Rotates MySQL, MariaDB and Aurora MySQL passwords with <c>ALTER USER</c>, in the form that keeps the password
/// out of that server's logs (<see cref="MySqlServerProfile"/>). The account name and the password (or its hash) are
/// bound parameters, which MySqlConnector escapes as string literals; nothing from the request is spliced into SQL.
/// </summary>
public sealed class MySqlEngine : IDatabaseEngine
{
    // The host part is a fixed literal; MariaDB and MySQL accept no whitespace around the '@'.
    private const string IdentifiedBySql = "ALTER USER @user@'%' IDENTIFIED BY @password";
    private const string NativeHashSql = "ALTER USER @user@'%' IDENTIFIED BY PASSWORD @password";

    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public MySqlEngine(SystemTrustStore? systemTrust = null)
    {
        _systemTrust = systemTrust;
    }

    public string Type => "mysql";

    public async Task SetPasswordAsync(DatabaseEndpoint endpoint, string username, string newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(newPassword);

        var who = $"the managing user {MySqlAccounts.Display(endpoint.ManagingUser.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        await using var connection = MySqlConnectionFactory.Create(endpoint, endpoint.ManagingUser, endpoint.Database, check);
        var connected = false;
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            connected = true;
            var profile = MySqlServerProfile.FromVersion(connection.ServerVersion) ?? throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"{endpoint.Host}:{endpoint.Port} runs MySQL {connection.ServerVersion}; the rotator needs MySQL 5.7.6 or later, or MariaDB");
            var nativeHash = profile.StatementForm == PasswordStatementForm.NativePasswordHash;
            await using var alter = new MySqlCommand(nativeHash ? NativeHashSql : IdentifiedBySql, connection);
            alter.Parameters.AddWithValue("@user", username);
            alter.Parameters.AddWithValue("@password", nativeHash ? NativePasswordHash.Compute(newPassword) : newPassword);
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            throw MySqlErrorTranslator.Translate(ex, endpoint, who, username, check, statementHasSecret: connected);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected, ex, passwordStatementSent: connected);
        }
    }

    public async Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(login);

        // No default database: the rotated user may lack rights on the managing user's database, and the check
        // is about the password, not about grants.
        var who = $"the rotated user {MySqlAccounts.Display(login.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        await using var connection = MySqlConnectionFactory.Create(endpoint, login, database: null, check);
        var connected = false;
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            connected = true;
            await using var select = new MySqlCommand("SELECT 1", connection);
            await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            throw MySqlErrorTranslator.Translate(ex, endpoint, who, login.Username, check, statementHasSecret: false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected, ex);
        }
    }
}
