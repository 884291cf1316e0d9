using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// Rotates MySQL, MariaDB and Aurora MySQL passwords with <c>ALTER USER</c>, in the form that keeps the password
/// out of that server's logs (<see cref="MySqlServerProfile"/>). The account name and the password (or its hash) are
/// bound parameters, which MySqlConnector escapes as string literals; nothing from the request is spliced into SQL.
/// </summary>
public sealed class MySqlEngine : DatabaseEngine<MySqlServerProfile>
{
    // GET_LOCK claims the account until the connection closes. The second column is 1 only on MariaDB, which runs
    // "/*M! ... */" comments that MySQL skips: one round trip tells the flavour whatever the version string says.
    private const string ClaimSql = "SELECT GET_LOCK(@name, 0), 0 /*M! + 1 */";

    private const string ReleaseSql = "SELECT RELEASE_LOCK(@name)";

    // The lock name claiming one account. Hashed, because lock names are limited to 64 characters and user names may
    // be longer or hold anything.
    private static string LockName(string username) =>
        "esc-rotator:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(username)))[..40];

    // The host part is a fixed literal; MariaDB and MySQL accept no whitespace around the '@'.
    private const string IdentifiedBySql = "ALTER USER @user@'%' IDENTIFIED BY @password";
    private const string NativeHashSql = "ALTER USER @user@'%' IDENTIFIED BY PASSWORD @password";

    // Secrets Manager's alternating users: the grants to copy, the copied account's TLS requirement, and whether
    // the receiving account exists, in one round trip. SHOW GRANTS takes the account as literals, bound here.
    private const string ReadSourceSql =
        "SHOW GRANTS FOR @from@'%';\n" +
        "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = @from AND Host = '%';\n" +
        "SELECT COUNT(*) FROM mysql.user WHERE User = @user AND Host = '%'";

    // The session user's own password, in the form that keeps the password out of the server's logs. MariaDB lets
    // an account without CREATE USER change its own password with SET PASSWORD only.
    private const string OwnNativeHashSql = "SET PASSWORD = @password";
    private const string OwnIdentifiedBySql = "ALTER USER CURRENT_USER() IDENTIFIED BY @password";

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public MySqlEngine(SystemTrustStore? systemTrust = null)
        : base(systemTrust)
    {
    }

    public override string Type => "mysql";

    protected override string Product => "MySQL";

    protected override string PasswordStatement => "ALTER USER";

    protected override string AlternateStatements => "CREATE USER, GRANT or ALTER USER";

    protected override string OwnPasswordStatement => "SET PASSWORD or ALTER USER";

    protected override string DisplayUser(string username) => MySqlAccounts.Display(username);

    // The check login uses no default database: the rotated user may lack rights on the managing user's database,
    // and the check is about the password, not about grants.
    protected override async Task<DriverConnection> OpenConnectionAsync(
        DatabaseEndpoint endpoint,
        Credential login,
        bool database,
        ServerCertificateCheck check,
        CancellationToken cancellationToken)
    {
        var schema = database ? endpoint.Database : null;
        try
        {
            return await MySqlConnectionFactory.Create(endpoint, login, schema, check).OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException offeredNoTls) when (endpoint.Tls.Mode == TlsMode.Prefer && MySqlErrorTranslator.IsNoTlsOffered(offeredNoTls))
        {
            // prefer, and the server offers no TLS: the driver refused before sending anything. Over plaintext it
            // sends a remote server no password of any kind, only a hash-based login.
            return await MySqlConnectionFactory.Create(endpoint, login, schema, check, plaintext: true).OpenAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task<MySqlServerProfile> ClaimAsync(
        DriverConnection connection,
        FailureContext context,
        string username,
        CancellationToken cancellationToken)
    {
        var (claimed, isMariaDb) = await connection.RunAsync(
            async (db, token) =>
            {
                await using var claim = new MySqlCommand(ClaimSql, (MySqlConnection)db);
                claim.Parameters.AddWithValue("@name", LockName(username));
                await using var reader = await claim.ExecuteReaderAsync(token).ConfigureAwait(false);
                return await reader.ReadAsync(token).ConfigureAwait(false)
                    ? (!reader.IsDBNull(0) && Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) == 1,
                        Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) == 1)
                    : (false, false);
            },
            cancellationToken).ConfigureAwait(false);

        var serverVersion = ((MySqlConnection)connection.Connection).ServerVersion;
        var profile = MySqlServerProfile.Detect(serverVersion, isMariaDb) ?? throw new RotationFailedException(
            RotationFailureKind.InvalidTarget,
            $"{context.Address} runs MySQL {serverVersion}; the rotator needs MySQL 5.7.6 or later, or MariaDB");
        return claimed
            ? profile
            : throw new RotationFailedException(
                RotationFailureKind.Conflict,
                $"another rotation of {MySqlAccounts.Display(username)} is in progress on {context.Address}; " +
                "this one changed nothing; retry once it has finished");
    }

    protected override async Task<TargetVerdict> ReadTargetAsync(
        DriverConnection connection,
        MySqlServerProfile claim,
        FailureContext context,
        CancellationToken cancellationToken)
    {
        var check = MySqlTargetCheck.For(claim.Flavour);
        var username = context.RotatedUser;
        var read = await connection.RunAsync(
            (db, token) => check.ReadAsync((MySqlConnection)db, username, token),
            cancellationToken).ConfigureAwait(false);
        var target = read.Target ?? throw new RotationFailedException(
            RotationFailureKind.Permission,
            $"{context.Who} may not read the account catalog on {context.Address}; the rotator reads it to refuse the managing user " +
            "and administrative accounts as users to rotate, and refuses to rotate without it. Nothing was changed: grant the read access " +
            $"(no password hash is in these columns): {string.Join(" ", check.ReadGrants(read.ManagingAccount.ToString()))}");

        // The template's refusals of the managing user and of administrative accounts come first.
        if (target.IsManagingUser || target.Reasons.Count > 0)
        {
            return target;
        }

        return PasswordChannel.Refusal(context, (MySqlConnection)connection.Connection, read.Plugin) is { } refusal
            ? throw refusal
            : target;
    }

    protected override Task ReleaseAsync(DriverConnection connection, string username, CancellationToken cancellationToken) =>
        connection.RunAsync(
            async (db, token) =>
            {
                await using var release = new MySqlCommand(ReleaseSql, (MySqlConnection)db);
                release.Parameters.AddWithValue("@name", LockName(username));
                return await release.ExecuteScalarAsync(token).ConfigureAwait(false);
            },
            cancellationToken);

    protected override async Task SetPasswordAsync(
        DriverConnection connection,
        MySqlServerProfile claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var nativeHash = claim.StatementForm == PasswordStatementForm.NativePasswordHash;
        var username = context.RotatedUser;
        sending();
        await connection.RunAsync(
            async (db, token) =>
            {
                await using var alter = new MySqlCommand(nativeHash ? NativeHashSql : IdentifiedBySql, (MySqlConnection)db);
                alter.Parameters.AddWithValue("@user", username);
                alter.Parameters.AddWithValue("@password", nativeHash ? NativePasswordHash.Compute(newPassword) : newPassword);
                return await alter.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    protected override async Task SetAlternatePasswordAsync(
        DriverConnection connection,
        MySqlServerProfile claim,
        FailureContext context,
        string grantsFrom,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var username = context.RotatedUser;
        var source = await ReadSourceAsync(connection, context, grantsFrom, cancellationToken).ConfigureAwait(false);
        CopiedGrants copy;
        string require;
        try
        {
            copy = GrantCopy.Rewrite(source.Grants, grantsFrom);
            require = source.Tls.Clause;
        }
        catch (FormatException unexpected)
        {
            throw new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"cannot copy the grants of {MySqlAccounts.Display(grantsFrom)} on {context.Address}: {unexpected.Message}; nothing was changed",
                unexpected);
        }

        // CREATE USER and ALTER USER carry the password (as the engine's log-safe form), the TLS requirement and the
        // resource limits; the GRANTs carry only privileges, so no password ever appears in one.
        var nativeHash = claim.StatementForm == PasswordStatementForm.NativePasswordHash;
        var account = (nativeHash ? "IDENTIFIED BY PASSWORD @password " : "IDENTIFIED BY @password ") + require
            + (copy.AccountLimits.Count > 0 ? " WITH " + string.Join(" ", copy.AccountLimits) : "");
        var password = nativeHash ? NativePasswordHash.Compute(newPassword) : newPassword;

        sending();
        if (!source.UserExists)
        {
            await RunAccountStatementAsync(connection, "CREATE USER @user@'%' " + account, username, password, source.Tls, cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < copy.Statements.Count; i++)
        {
            var sql = copy.Statements[i];
            try
            {
                await connection.RunAsync(
                    async (db, token) =>
                    {
                        await using var grant = new MySqlCommand(sql, (MySqlConnection)db);
                        grant.Parameters.AddWithValue(GrantCopy.GranteeParameter, username);
                        return await grant.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (MySqlException refused) when (MySqlErrorTranslator.IsServerAnswer(refused))
            {
                throw GrantRefused(context, grantsFrom, i, copy.Statements.Count, created: !source.UserExists, refused);
            }
        }

        if (source.UserExists)
        {
            await RunAccountStatementAsync(connection, "ALTER USER @user@'%' " + account, username, password, source.Tls, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task SetOwnPasswordAsync(
        DriverConnection connection,
        MySqlServerProfile claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken)
    {
        var nativeHash = claim.StatementForm == PasswordStatementForm.NativePasswordHash;
        sending();
        await connection.RunAsync(
            async (db, token) =>
            {
                await using var change = new MySqlCommand(nativeHash ? OwnNativeHashSql : OwnIdentifiedBySql, (MySqlConnection)db);
                change.Parameters.AddWithValue("@password", nativeHash ? NativePasswordHash.Compute(newPassword) : newPassword);
                return await change.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
    }

    protected override RotationFailedException? Translate(Exception exception, FailureContext context) =>
        MySqlErrorTranslator.Translate(exception, context);

    protected override bool IsServerAnswer(Exception exception) => MySqlErrorTranslator.IsServerAnswer(exception);

    /// <summary>Reads what an alternate user receives from <paramref name="grantsFrom"/>, before anything changes.</summary>
    private static async Task<AlternateSource> ReadSourceAsync(
        DriverConnection connection,
        FailureContext context,
        string grantsFrom,
        CancellationToken cancellationToken)
    {
        try
        {
            return await connection.RunAsync(
                async (db, token) =>
                {
                    await using var read = new MySqlCommand(ReadSourceSql, (MySqlConnection)db);
                    read.Parameters.AddWithValue("@from", grantsFrom);
                    read.Parameters.AddWithValue("@user", context.RotatedUser);
                    await using var reader = await read.ExecuteReaderAsync(token).ConfigureAwait(false);
                    var grants = new List<string>();
                    while (await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        grants.Add(reader.GetString(0));
                    }

                    TlsRequirement? tls = null;
                    if (await reader.NextResultAsync(token).ConfigureAwait(false) && await reader.ReadAsync(token).ConfigureAwait(false))
                    {
                        tls = new TlsRequirement(Text(reader.GetValue(0)), Text(reader.GetValue(1)), Text(reader.GetValue(2)), Text(reader.GetValue(3)));
                    }

                    var exists = await reader.NextResultAsync(token).ConfigureAwait(false)
                        && await reader.ReadAsync(token).ConfigureAwait(false)
                        && Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) > 0;
                    return new AlternateSource(
                        grants,
                        tls ?? throw new InvalidOperationException("SHOW GRANTS named an account that mysql.user does not list"),
                        exists);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException missing) when (missing.ErrorCode == MySqlErrorCode.NonExistingGrant)
        {
            throw new RotationFailedException(
                RotationFailureKind.UnknownUser,
                $"account {MySqlAccounts.Display(grantsFrom)}, whose grants {MySqlAccounts.Display(context.RotatedUser)} would receive, does not exist " +
                $"on {context.Address}; nothing was changed: correct the user name of the current credentials",
                missing);
        }
        catch (MySqlException denied) when (denied.ErrorCode is MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.TableAccessDenied or MySqlErrorCode.ColumnAccessDenied)
        {
            // SHOW GRANTS for another account needs SELECT on the whole mysql database; no narrower grant will do.
            throw new RotationFailedException(
                RotationFailureKind.Permission,
                $"{context.Who} may not read the grants and TLS requirement of {MySqlAccounts.Display(grantsFrom)} on {context.Address} ({denied.Message}); " +
                "nothing was changed. Copying grants runs SHOW GRANTS for another account and reads its TLS columns in mysql.user: " +
                $"GRANT SELECT ON mysql.* TO {MySqlAccounts.Display(context.Endpoint.ManagingUser.Username)};",
                denied);
        }
    }

    private static Task<int> RunAccountStatementAsync(
        DriverConnection connection,
        string sql,
        string username,
        string password,
        TlsRequirement tls,
        CancellationToken cancellationToken) =>
        connection.RunAsync(
            async (db, token) =>
            {
                await using var statement = new MySqlCommand(sql, (MySqlConnection)db);
                statement.Parameters.AddWithValue("@user", username);
                statement.Parameters.AddWithValue("@password", password);
                tls.Bind(statement);
                return await statement.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            },
            cancellationToken);

    // GRANT statements hold no password, so the server's text about one is safe to show.
    private static RotationFailedException GrantRefused(FailureContext context, string grantsFrom, int index, int count, bool created, MySqlException refused)
    {
        var denied = refused.ErrorCode is MySqlErrorCode.AccessDenied or MySqlErrorCode.DatabaseAccessDenied or MySqlErrorCode.TableAccessDenied
            or MySqlErrorCode.ColumnAccessDenied or MySqlErrorCode.SpecifiedAccessDeniedError;
        var state = created
            ? "the account was created with the new password and the grants before this one"
            : "its password is unchanged; the grants before this one were added";
        return new RotationFailedException(
            denied ? RotationFailureKind.Permission : RotationFailureKind.ServerError,
            $"{context.Who} could not give {MySqlAccounts.Display(context.RotatedUser)} grant {index + 1} of {count} that {MySqlAccounts.Display(grantsFrom)} holds " +
            $"on {context.Address} (error {refused.Number}: {refused.Message}); {state}, and a retry adds the rest. The managing user needs every privilege it copies " +
            "WITH GRANT OPTION, every role WITH ADMIN OPTION, and UPDATE on mysql.* to copy a default role",
            refused);
    }

    // MySQL keeps the TLS columns as BLOBs, MariaDB's mysql.user view as text.
    private static string Text(object value) => value switch
    {
        string text => text,
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        _ => "",
    };

    /// <summary>What <c>SHOW GRANTS</c> and <c>mysql.user</c> say about the account whose grants are copied, and whether the receiving account exists.</summary>
    private sealed record AlternateSource(IReadOnlyList<string> Grants, TlsRequirement Tls, bool UserExists);
}
