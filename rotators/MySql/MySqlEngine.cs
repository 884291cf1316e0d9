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
    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public MySqlEngine(SystemTrustStore? systemTrust = null)
    {
        _systemTrust = systemTrust;
    }

    public string Type => "mysql";

    public async Task<IPasswordChangeSession> BeginAsync(DatabaseEndpoint endpoint, string username, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);

        var who = $"the managing user {MySqlAccounts.Display(endpoint.ManagingUser.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        var connection = MySqlConnectionFactory.Create(endpoint, endpoint.ManagingUser, endpoint.Database, check);
        var connected = false;
        try
        {
            await connection.OpenAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
            connected = true;
            var profile = MySqlServerProfile.FromVersion(connection.ServerVersion) ?? throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"{endpoint.Host}:{endpoint.Port} runs MySQL {connection.ServerVersion}; the rotator needs MySQL 5.7.6 or later, or MariaDB");

            await using (var claim = new MySqlCommand("SELECT GET_LOCK(@name, 0)", connection))
            {
                claim.Parameters.AddWithValue("@name", RotationLockName.For(username));
                if (Convert.ToInt64(await claim.ExecuteScalarAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false) ?? 0L, System.Globalization.CultureInfo.InvariantCulture) != 1)
                {
                    throw new RotationFailedException(
                        RotationFailureKind.Conflict,
                        $"another rotation of {MySqlAccounts.Display(username)} is in progress on {endpoint.Host}:{endpoint.Port}; " +
                        "this one changed nothing; retry once it has finished");
                }
            }

            var session = new MySqlPasswordChangeSession(connection, profile, endpoint, username, who, check);
            connection = null;
            return session;
        }
        catch (Exception ex) when (ex is MySqlException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            throw MySqlErrorTranslator.Translate(ex, endpoint, who, username, check, statementHasSecret: false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected, ex);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
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
            await connection.OpenAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
            connected = true;
            await using var select = new MySqlCommand("SELECT 1", connection);
            await select.ExecuteScalarAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
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
