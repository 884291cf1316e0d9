using EscRotators.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace EscRotators.IntegrationTests.MySql8;

/// <summary>
/// MySQL 8 accounts ('<c>name</c>'@'%') for one test, created by root with the server's default plugin
/// (caching_sha2_password) and <c>IDENTIFIED BY '&lt;password&gt;'</c>, which MySQL rewrites in its logs (MySQL 8 has
/// no <c>IDENTIFIED BY PASSWORD</c> hash form, and 8.4 disables mysql_native_password). Names are quoted here as
/// string literals (quotes doubled, backslashes escaped), independently of the product's bound parameters.
/// Dropped again when disposed.
/// </summary>
public sealed class MySql8TestDatabase : ITestDatabase
{
    public const string DefaultPlugin = "caching_sha2_password";

    private readonly MySql8Server _server;
    private readonly MySqlAccounts _accounts;

    public MySql8TestDatabase(MySql8Server server)
    {
        _server = server;
        _accounts = new MySqlAccounts(server.OpenAdminAsync, server.Database, IdentifiedByPlaintext, MySqlCatalogGrants.MySql8);
    }

    public MySql8Server Server => _server;

    public DbEngine Engine => DbEngine.MySql8;

    public string Type => "mysql";

    public string Host => _server.Host;

    public int Port => _server.Port;

    public string Database => _server.Database;

    /// <summary>The server offers TLS, but with the image's self-signed certificate, not one from ESC_TEST_TLS_CA.</summary>
    public bool Tls => false;

    /// <summary>The tests read the general log from the mysql.general_log table (log_output=TABLE), not from a file.</summary>
    public string? StatementLog => null;

    public IReadOnlyList<string> MissingGrantAdvice { get; } = ["GRANT CREATE USER"];

    public static async Task<MySql8TestDatabase> OpenAsync(string image) =>
        new(await MySql8Server.GetAsync(image).ConfigureAwait(false));

    /// <summary>A MySQL string literal for the default sql_mode (no NO_BACKSLASH_ESCAPES).</summary>
    public static string QuoteString(string text) => MySqlAccounts.QuoteString(text);

    public static string QuoteIdentifier(string name) => MySqlAccounts.QuoteIdentifier(name);

    public static string Account(string name) => MySqlAccounts.Account(name);

    public Task<TestUser> CreateUserAsync(string? name = null, string? password = null) => _accounts.CreateUserAsync(name, password);

    public Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null) =>
        _accounts.CreateManagingUserAsync(name, password);

    public Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable) => _accounts.CreateManagingUserWithoutGrantAsync();

    /// <summary>Logs in over TLS when the server offers it (MySqlConnector's Preferred), as the rotator does by default.</summary>
    public async Task<bool> CanLogInAsync(string user, string password) =>
        (await LogInAsync(user, password, MySqlSslMode.Preferred).ConfigureAwait(false)).LoggedIn;

    /// <summary>One real, unpooled login as <paramref name="user"/>, with the session's TLS cipher.</summary>
    public Task<MySqlLogin> LogInAsync(string user, string password, MySqlSslMode sslMode) =>
        MySqlAccounts.LogInAsync(Host, Port, user, password, sslMode);

    /// <summary>The authentication plugin of '<paramref name="user"/>'@'%'.</summary>
    public async Task<string?> PluginOfAsync(string user)
    {
        await using var connection = await _server.OpenAdminAsync().ConfigureAwait(false);
        await using var command = new MySqlCommand($"SELECT plugin FROM mysql.user WHERE User = {QuoteString(user)} AND Host = '%'", connection);
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as string;
    }

    public Task<int> CountSessionsAsync(params string[] users) => _accounts.CountSessionsAsync(users);

    public void DropAtEnd(string name) => _accounts.DropAtEnd(name);

    public Task LogMarkerAsync(string marker) => _accounts.LogMarkerAsync(marker);

    /// <summary>Runs one statement as root.</summary>
    public Task ExecuteAsync(string sql) => _accounts.ExecuteAsync(sql);

    public ValueTask DisposeAsync() => _accounts.DisposeAsync();

    // MySQL 8 has no IDENTIFIED BY PASSWORD hash form (and 8.4 disables mysql_native_password); it rewrites the
    // plaintext form in its logs.
    private static string IdentifiedByPlaintext(string password) => "IDENTIFIED BY " + QuoteString(password);
}
