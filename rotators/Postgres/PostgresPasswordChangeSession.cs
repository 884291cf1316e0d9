using EscRotators.Engines;
using EscRotators.Postgres.Scram;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>
/// The managing user's connection with the rotated role claimed by a session advisory lock until disposal. Sets the
/// password as a SCRAM verifier computed here; the role name and the verifier are quoted by the server
/// (<c>format('%I', '%L')</c>) from bound parameters, in the query that also proves the role exists.
/// </summary>
internal sealed class PostgresPasswordChangeSession : IPasswordChangeSession
{
    private const string PrepareAlterSql =
        "SELECT format('ALTER ROLE %I PASSWORD %L', rolname, $2) FROM pg_catalog.pg_roles WHERE rolname = $1";

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlConnection _connection;
    private readonly DatabaseEndpoint _endpoint;
    private readonly string _username;
    private readonly string _who;
    private readonly ServerCertificateCheck _check;

    public PostgresPasswordChangeSession(
        NpgsqlDataSource dataSource,
        NpgsqlConnection connection,
        DatabaseEndpoint endpoint,
        string username,
        string who,
        ServerCertificateCheck check)
    {
        _dataSource = dataSource;
        _connection = connection;
        _endpoint = endpoint;
        _username = username;
        _who = who;
        _check = check;
    }

    public async Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(newPassword);
        var verifier = ScramVerifier.Create(newPassword) ?? throw new RotationFailedException(
            RotationFailureKind.InvalidTarget,
            "the new password holds characters that PostgreSQL's SASLprep normalises (NFKC compatibility forms or combining marks); " +
            "the rotator cannot hash it faithfully, so it refuses rather than set a password nobody could log in with: use another password");

        var alterSent = false;
        try
        {
            string? alterRole;
            await using (var prepare = new NpgsqlCommand(PrepareAlterSql, _connection))
            {
                prepare.Parameters.Add(new NpgsqlParameter { Value = _username });
                prepare.Parameters.Add(new NpgsqlParameter { Value = verifier });
                alterRole = await prepare.ExecuteScalarAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false) as string;
            }

            if (alterRole is null)
            {
                throw new RotationFailedException(
                    RotationFailureKind.UnknownUser,
                    $"role {PostgresIdentifiers.Display(_username)} does not exist on {_endpoint.Host}:{_endpoint.Port}: " +
                    $"create it (CREATE ROLE {PostgresIdentifiers.Display(_username)} LOGIN) or correct the user name");
            }

            await using var alter = new NpgsqlCommand(alterRole, _connection);
            alterSent = true;
            await alter.ExecuteNonQueryAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            var role = PostgresIdentifiers.Display(_username);
            var manager = PostgresIdentifiers.Display(_endpoint.ManagingUser.Username);
            throw new RotationFailedException(
                RotationFailureKind.Permission,
                $"{_who} may not change the password of role {role}: {ex.MessageText}. " +
                $"Grant it with: ALTER ROLE {manager} CREATEROLE; GRANT {role} TO {manager} WITH ADMIN OPTION; " +
                "(PostgreSQL 16+ requires the ADMIN OPTION; a SUPERUSER role can only be changed by a superuser)",
                ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw PostgresErrorTranslator.Translate(ex, _endpoint, _who, _check, connected: true);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(_endpoint, _who, connected: true, ex, passwordStatementSent: alterSent);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
