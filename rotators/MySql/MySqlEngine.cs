using System.Globalization;
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

    // The host part is a fixed literal; MariaDB and MySQL accept no whitespace around the '@'.
    private const string IdentifiedBySql = "ALTER USER @user@'%' IDENTIFIED BY @password";
    private const string NativeHashSql = "ALTER USER @user@'%' IDENTIFIED BY PASSWORD @password";

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    public MySqlEngine(SystemTrustStore? systemTrust = null)
        : base(systemTrust)
    {
    }

    public override string Type => "mysql";

    protected override string Product => "MySQL";

    protected override string PasswordStatement => "ALTER USER";

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
                claim.Parameters.AddWithValue("@name", RotationLockName.For(username));
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
        var username = context.RotatedUser!;
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
                release.Parameters.AddWithValue("@name", RotationLockName.For(username));
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
        var username = context.RotatedUser!;
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

    protected override RotationFailedException? Translate(Exception exception, FailureContext context) =>
        MySqlErrorTranslator.Translate(exception, context);

    protected override bool IsServerAnswer(Exception exception) => MySqlErrorTranslator.IsServerAnswer(exception);
}
