using System.Text;
using EscRotators.Engines;
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
    // A session-level lock, released when the connection closes; hashtextextended exists since PostgreSQL 11.
    private const string ClaimSql = "SELECT pg_try_advisory_lock(hashtextextended('esc-rotator:' || $1, 0))";

    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public PostgresEngine(SystemTrustStore? systemTrust = null)
    {
        _systemTrust = systemTrust;
    }

    public string Type => "postgres";

    public async Task<IPasswordChangeSession> BeginAsync(DatabaseEndpoint endpoint, string username, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);

        var nameBytes = Encoding.UTF8.GetByteCount(username);
        if (nameBytes > PostgresIdentifiers.MaxNameBytes)
        {
            throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"PostgreSQL role names are at most {PostgresIdentifiers.MaxNameBytes} bytes; the user to rotate has {nameBytes}");
        }

        var who = $"the managing user {PostgresIdentifiers.Display(endpoint.ManagingUser.Username)}";
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust);
        NpgsqlDataSource? dataSource = PostgresConnectionFactory.Create(endpoint, endpoint.ManagingUser, check);
        NpgsqlConnection? connection = null;
        try
        {
            connection = await OpenAsync(dataSource, endpoint, who, check, cancellationToken).ConfigureAwait(false);
            await using (var claim = new NpgsqlCommand(ClaimSql, connection))
            {
                claim.Parameters.Add(new NpgsqlParameter { Value = username });
                if (await claim.ExecuteScalarAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false) is not true)
                {
                    throw new RotationFailedException(
                        RotationFailureKind.Conflict,
                        $"another rotation of role {PostgresIdentifiers.Display(username)} is in progress on {endpoint.Host}:{endpoint.Port}; " +
                        "this one changed nothing; retry once it has finished");
                }
            }

            var session = new PostgresPasswordChangeSession(dataSource, connection, endpoint, username, who, check);
            (dataSource, connection) = (null, null);
            return session;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            throw PostgresErrorTranslator.Translate(ex, endpoint, who, check, connected: true);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(endpoint, who, connected: true, ex);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (dataSource is not null)
            {
                await dataSource.DisposeAsync().ConfigureAwait(false);
            }
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
            await select.ExecuteScalarAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
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
        var connection = dataSource.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or System.Security.Authentication.AuthenticationException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw PostgresErrorTranslator.Translate(ex, endpoint, who, check, connected: false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Npgsql refuses to close a connection that is still connecting; its own timeout (sized to end
                // before the deadline) closes the socket.
            }

            throw ConnectionFailures.TimedOut(endpoint, who, connected: false, ex);
        }
    }
}
