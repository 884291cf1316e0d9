using System.Text;
using EscRotators.Engines;
using EscRotators.Postgres.Scram;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>
/// Rotates PostgreSQL passwords with <c>ALTER ROLE ... PASSWORD '&lt;SCRAM verifier&gt;'</c>: the plaintext never
/// reaches the server. The role name and the verifier are quoted by the server itself (<c>format('%I', '%L')</c>)
/// from bound parameters, in the same query that proves the role exists.
/// </summary>
public sealed class PostgresEngine : IDatabaseEngine
{
    // %I and %L quote server-side; rolname comes back from the catalogue only when the role exists.
    private const string PrepareAlterSql =
        "SELECT format('ALTER ROLE %I PASSWORD %L', rolname, $2) FROM pg_catalog.pg_roles WHERE rolname = $1";

    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public PostgresEngine(SystemTrustStore? systemTrust = null)
    {
        _systemTrust = systemTrust;
    }

    public string Type => "postgres";

    public async Task SetPasswordAsync(DatabaseEndpoint endpoint, string username, string newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(newPassword);

        var nameBytes = Encoding.UTF8.GetByteCount(username);
        if (nameBytes > PostgresIdentifiers.MaxNameBytes)
        {
            throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"PostgreSQL role names are at most {PostgresIdentifiers.MaxNameBytes} bytes; the user to rotate has {nameBytes}");
        }

        var verifier = ScramVerifier.Create(newPassword) ?? throw new RotationFailedException(
            RotationFailureKind.InvalidTarget,
            "the new password holds characters that PostgreSQL's SASLprep normalises (NFKC compatibility forms or combining marks); " +
            "the rotator cannot hash it faithfully, so it refuses rather than set a password nobody could log in with: use another password");

        var who = $"the managing user {PostgresIdentifiers.Display(endpoint.ManagingUser.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        await using var dataSource = PostgresConnectionFactory.Create(endpoint, endpoint.ManagingUser, check);
        await using var connection = await OpenAsync(dataSource, endpoint, who, check, cancellationToken).ConfigureAwait(false);
        var alterSent = false;
        try
        {
            string? alterRole;
            await using (var prepare = new NpgsqlCommand(PrepareAlterSql, connection))
            {
                prepare.Parameters.Add(new NpgsqlParameter { Value = username });
                prepare.Parameters.Add(new NpgsqlParameter { Value = verifier });
                alterRole = await prepare.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }

            if (alterRole is null)
            {
                throw new RotationFailedException(
                    RotationFailureKind.UnknownUser,
                    $"role {PostgresIdentifiers.Display(username)} does not exist on {endpoint.Host}:{endpoint.Port}: " +
                    $"create it (CREATE ROLE {PostgresIdentifiers.Display(username)} LOGIN) or correct the user name");
            }

            await using var alter = new NpgsqlCommand(alterRole, connection);
            alterSent = true;
            await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            var role = PostgresIdentifiers.Display(username);
            var manager = PostgresIdentifiers.Display(endpoint.ManagingUser.Username);
            throw new RotationFailedException(
                RotationFailureKind.Permission,
                $"{who} may not change the password of role {role}: {ex.MessageText}. " +
                $"Grant it with: ALTER ROLE {manager} CREATEROLE; GRANT {role} TO {manager} WITH ADMIN OPTION; " +
                "(PostgreSQL 16+ requires the ADMIN OPTION; a SUPERUSER role can only be changed by a superuser)",
                ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw PostgresErrorTranslator.Translate(ex, endpoint, who, check, connected: true);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected: true, ex, passwordStatementSent: alterSent);
        }
    }

    public async Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(login);

        var who = $"the rotated user {PostgresIdentifiers.Display(login.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        await using var dataSource = PostgresConnectionFactory.Create(endpoint, login, check);
        await using var connection = await OpenAsync(dataSource, endpoint, who, check, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var select = new NpgsqlCommand("SELECT 1", connection);
            await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw PostgresErrorTranslator.Translate(ex, endpoint, who, check, connected: true);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected: true, ex);
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(
        NpgsqlDataSource dataSource,
        DatabaseEndpoint endpoint,
        string who,
        ServerCertificateCheck check,
        CancellationToken cancellationToken)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            throw PostgresErrorTranslator.Translate(ex, endpoint, who, check, connected: false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected: false, ex);
        }
    }
}
