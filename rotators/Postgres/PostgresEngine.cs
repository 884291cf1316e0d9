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
public sealed class PostgresEngine : DatabaseEngine<bool>
{
    // A session-level lock, released when the connection closes; hashtextextended exists since PostgreSQL 11.
    private const string ClaimSql = "SELECT pg_try_advisory_lock(hashtextextended('esc-rotator:' || $1, 0))";

    private const string ReleaseSql = "SELECT pg_advisory_unlock(hashtextextended('esc-rotator:' || $1, 0))";

    private const string PrepareAlterSql =
        "SELECT format('ALTER ROLE %I PASSWORD %L', rolname, $2) FROM pg_catalog.pg_roles WHERE rolname = $1";

    // Secrets Manager's alternating users, as AWS's multi-user rotation leaves them: a missing clone is created with
    // LOGIN and its verifier and made a member of the user it copies; an existing one only gets the new password.
    // Both roles' existence is read in the query that has the server quote the statements.
    private const string PrepareAlternateSql =
        """
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $3),
               EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1),
               format('ALTER ROLE %I PASSWORD %L', $1, $2),
               format('CREATE ROLE %I WITH LOGIN PASSWORD %L', $1, $2),
               format('GRANT %I TO %I', $3, $1)
        """;

    // The session user's own password. SetOwnPasswordAsync runs SET ROLE NONE before it in the same batch: a role
    // whose sessions start as another role (ALTER ROLE ... SET role) would otherwise change that role's password.
    private const string PrepareOwnSql = "SELECT format('ALTER ROLE CURRENT_USER PASSWORD %L', $1)";

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public PostgresEngine(SystemTrustStore? systemTrust = null)
        : base(systemTrust)
    {
    }

    public override string Type => "postgres";

    protected override string Product => "PostgreSQL";

    protected override string PasswordStatement => "ALTER ROLE";

    protected override string AlternateStatements => "CREATE ROLE and GRANT, or ALTER ROLE";

    protected override string DisplayUser(string username) => PostgresIdentifiers.Display(username);

    protected override void CheckUsername(string username)
    {
        var nameBytes = Encoding.UTF8.GetByteCount(username);
        if (nameBytes > PostgresIdentifiers.MaxNameBytes)
        {
            throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"PostgreSQL role names are at most {PostgresIdentifiers.MaxNameBytes} bytes; the user to rotate has {nameBytes}");
        }
    }

    /// <summary>
    /// Npgsql hashes the password as given, while the verifier (like libpq) hashes its SASLprep form: the check login
    /// must present exactly the string the verifier was computed from.
    /// </summary>
    protected override string LoginPassword(string newPassword) => SaslPrep.Prepare(newPassword) ?? newPassword;

    protected override Task<DriverConnection> OpenConnectionAsync(
        DatabaseEndpoint endpoint,
        Credential login,
        bool database,
        ServerCertificateCheck check,
        CancellationToken cancellationToken)
    {
        // The check login connects to the managing user's database too: PostgreSQL needs one, and CONNECT is
        // granted to PUBLIC by default.
        var dataSource = PostgresDataSourceFactory.CreateDataSource(endpoint, login, check);
        return new DriverConnection(dataSource.CreateConnection(), dataSource).OpenAsync(cancellationToken);
    }

    protected override async Task<bool> ClaimAsync(DriverConnection connection, FailureContext context, string username, CancellationToken cancellationToken)
    {
        var claimed = await connection.RunAsync(
            async (db, token) =>
            {
                await using var claim = new NpgsqlCommand(ClaimSql, (NpgsqlConnection)db);
                claim.Parameters.Add(new NpgsqlParameter { Value = username });
                return await claim.ExecuteScalarAsync(token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return claimed is true
            ? true
            : throw new RotationFailedException(
                RotationFailureKind.Conflict,
                $"another rotation of role {PostgresIdentifiers.Display(username)} is in progress on {context.Address}; " +
                "this one changed nothing; retry once it has finished");
    }

    protected override Task<TargetVerdict> ReadTargetAsync(DriverConnection connection, bool claim, FailureContext context, CancellationToken cancellationToken)
    {
        var username = context.RotatedUser;
        return connection.RunAsync((db, token) => PostgresTargetCheck.ReadAsync((NpgsqlConnection)db, username, token), cancellationToken);
    }

    protected override Task ReleaseAsync(DriverConnection connection, string username, CancellationToken cancellationToken) =>
        connection.RunAsync(
            async (db, token) =>
            {
                await using var release = new NpgsqlCommand(ReleaseSql, (NpgsqlConnection)db);
                release.Parameters.Add(new NpgsqlParameter { Value = username });
                return await release.ExecuteScalarAsync(token).ConfigureAwait(false);
            },
            cancellationToken);

    protected override async Task SetPasswordAsync(
        DriverConnection connection,
        bool claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var username = context.RotatedUser;
        var verifier = Verifier(newPassword);

        var alterRole = await connection.RunAsync(
            async (db, token) =>
            {
                await using var prepare = new NpgsqlCommand(PrepareAlterSql, (NpgsqlConnection)db);
                prepare.Parameters.Add(new NpgsqlParameter { Value = username });
                prepare.Parameters.Add(new NpgsqlParameter { Value = verifier });
                return await prepare.ExecuteScalarAsync(token).ConfigureAwait(false) as string;
            },
            cancellationToken).ConfigureAwait(false) ?? throw new RotationFailedException(
                RotationFailureKind.UnknownUser,
                $"role {PostgresIdentifiers.Display(username)} does not exist on {context.Address}: " +
                $"create it (CREATE ROLE {PostgresIdentifiers.Display(username)} LOGIN) or correct the user name");

        sending();
        await ExecuteAsync(connection, [alterRole], cancellationToken).ConfigureAwait(false);
    }

    protected override async Task SetAlternatePasswordAsync(
        DriverConnection connection,
        bool claim,
        FailureContext context,
        string grantsFrom,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var username = context.RotatedUser;
        var verifier = Verifier(newPassword);
        var (sourceExists, exists, alterRole, createRole, grantRole) = await connection.RunAsync(
            async (db, token) =>
            {
                await using var prepare = new NpgsqlCommand(PrepareAlternateSql, (NpgsqlConnection)db);
                prepare.Parameters.Add(new NpgsqlParameter { Value = username });
                prepare.Parameters.Add(new NpgsqlParameter { Value = verifier });
                prepare.Parameters.Add(new NpgsqlParameter { Value = grantsFrom });
                await using var reader = await prepare.ExecuteReaderAsync(token).ConfigureAwait(false);
                return await reader.ReadAsync(token).ConfigureAwait(false)
                    ? (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetString(2), reader.GetString(3), reader.GetString(4))
                    : throw new InvalidOperationException("the statement preparation returned no row");
            },
            cancellationToken).ConfigureAwait(false);
        if (!sourceExists)
        {
            throw new RotationFailedException(
                RotationFailureKind.UnknownUser,
                $"role {PostgresIdentifiers.Display(grantsFrom)}, whose grants {PostgresIdentifiers.Display(username)} would receive, does not exist on " +
                $"{context.Address}; nothing was changed: correct the user name of the current credentials");
        }

        sending();
        if (exists)
        {
            await ExecuteAsync(connection, [alterRole], cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            // One batch is one implicit transaction: the role is created and made a member, or nothing changes.
            await ExecuteAsync(connection, [createRole, grantRole], cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException denied) when (denied.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            var (role, source) = (PostgresIdentifiers.Display(username), PostgresIdentifiers.Display(grantsFrom));
            throw new RotationFailedException(
                RotationFailureKind.Permission,
                $"{context.Who} may not create role {role} and make it a member of {source} on {context.Address}: {denied.MessageText}. " +
                $"Nothing was changed. Grant it with: ALTER ROLE {PostgresIdentifiers.Display(context.Endpoint.ManagingUser.Username)} CREATEROLE; " +
                $"GRANT {source} TO {PostgresIdentifiers.Display(context.Endpoint.ManagingUser.Username)} WITH ADMIN OPTION;",
                denied);
        }
    }

    protected override async Task SetOwnPasswordAsync(
        DriverConnection connection,
        bool claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var verifier = Verifier(newPassword);
        var alterRole = await connection.RunAsync(
            async (db, token) =>
            {
                await using var prepare = new NpgsqlCommand(PrepareOwnSql, (NpgsqlConnection)db);
                prepare.Parameters.Add(new NpgsqlParameter { Value = verifier });
                return await prepare.ExecuteScalarAsync(token).ConfigureAwait(false) as string;
            },
            cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException("the statement preparation returned no text");

        sending();
        await ExecuteAsync(connection, ["SET ROLE NONE", alterRole], cancellationToken).ConfigureAwait(false);
    }

    protected override RotationFailedException? Translate(Exception exception, FailureContext context) =>
        PostgresErrorTranslator.Translate(exception, context);

    protected override bool IsServerAnswer(Exception exception) => exception is PostgresException;

    private static string Verifier(string newPassword) =>
        ScramVerifier.Create(newPassword) ?? throw new RotationFailedException(
            RotationFailureKind.InvalidTarget,
            "the new password holds characters that PostgreSQL's SASLprep normalises (NFKC compatibility forms or combining marks); " +
            "the rotator cannot hash it faithfully, so it refuses rather than set a password nobody could log in with: use another password");

    /// <summary>Runs server-quoted statements as one batch, which PostgreSQL runs as one implicit transaction.</summary>
    private static Task<int> ExecuteAsync(DriverConnection connection, string[] statements, CancellationToken cancellationToken) =>
        connection.RunAsync(
            async (db, token) =>
            {
                await using var batch = new NpgsqlBatch((NpgsqlConnection)db);
                foreach (var statement in statements)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
                }

                return await batch.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            cancellationToken);
}

/// <summary>PostgreSQL naming rules the rotator checks before sending anything.</summary>
internal static class PostgresIdentifiers
{
    /// <summary>NAMEDATALEN - 1: longer names are silently truncated by the server, which could alter another role.</summary>
    public const int MaxNameBytes = 63;

    /// <summary>A name quoted for display in advice we give (never used to build executed SQL).</summary>
    public static string Display(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
