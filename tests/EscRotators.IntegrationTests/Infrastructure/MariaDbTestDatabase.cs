using System.Security.Cryptography;
using System.Text;
using MySqlConnector;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// MariaDB/MySQL accounts ('<c>name</c>'@'%') for one test. Names are quoted here (quotes doubled, backslashes
/// escaped), independently of the product's use of bound parameters; passwords are sent as mysql_native_password
/// hashes (<c>IDENTIFIED BY PASSWORD</c>), never in plaintext, so the general log holds none from set-up.
/// </summary>
public sealed class MariaDbTestDatabase : ITestDatabase
{
    private readonly MariaDbServer _server;
    private readonly MySqlAccounts _accounts;

    public MariaDbTestDatabase(MariaDbServer server)
    {
        _server = server;
        _accounts = new MySqlAccounts(server.OpenAdminAsync, server.Database, IdentifiedByNativeHash, MySqlCatalogGrants.MariaDb);
    }

    public DbEngine Engine => DbEngine.MariaDb;

    public string Type => "mysql";

    public string Host => _server.Host;

    public int Port => _server.Port;

    public string Database => _server.Database;

    public bool Tls => _server.Tls;

    public string? StatementLog => _server.StatementLog;

    public int MaxUserNameLength => _server.MaxUserNameLength;

    public IReadOnlyList<string> MissingGrantAdvice { get; } = ["GRANT CREATE USER"];

    public static string QuoteString(string text) => MySqlAccounts.QuoteString(text);

    public static string QuoteIdentifier(string name) => MySqlAccounts.QuoteIdentifier(name);

    public Task<TestUser> CreateUserAsync(string? name = null, string? password = null) => _accounts.CreateUserAsync(name, password);

    public Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null) =>
        _accounts.CreateManagingUserAsync(name, password);

    public Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable) => _accounts.CreateManagingUserWithoutGrantAsync();

    /// <summary>A managing user with ALTER on the database and CREATE USER only: it may change passwords but not read the account catalog.</summary>
    public Task<TestUser> CreateManagingUserWithoutCatalogReadAsync() => _accounts.CreateManagingUserWithoutCatalogReadAsync(createUser: true);

    /// <summary>Runs one statement as the admin.</summary>
    public Task ExecuteAsync(string sql) => _accounts.ExecuteAsync(sql);

    /// <summary>Runs a query as the admin; the first column of every row, as text.</summary>
    public Task<List<string?>> QueryAsync(string sql) => _accounts.QueryAsync(sql);

    /// <summary>Drops '<paramref name="name"/>'@'%' on dispose, for an account the product creates.</summary>
    public void DropOnDispose(string name) => _accounts.DropOnDispose(name);

    /// <summary>A database named <paramref name="name"/> (any characters), dropped on dispose; its quoted name.</summary>
    public Task<string> CreateDatabaseAsync(string name) => _accounts.CreateDatabaseAsync(name);

    /// <summary>A role, dropped on dispose; its name.</summary>
    public Task<string> CreateRoleAsync() => _accounts.CreateRoleAsync();

    /// <summary>'<paramref name="name"/>'@'%', quoted for SQL the test runs as the admin.</summary>
    public static string Account(string name) => MySqlAccounts.Account(name);

    /// <summary>Lets <paramref name="user"/> log in over TLS only, as RDS parameter groups or hardened servers demand.</summary>
    public Task RequireSslAsync(TestUser user) => _accounts.ExecuteAsync($"ALTER USER {MySqlAccounts.Account(user.Name)} REQUIRE SSL");

    public async Task<bool> CanLogInAsync(string user, string password) =>
        (await MySqlAccounts.LogInAsync(Host, Port, user, password, MySqlSslMode.Preferred).ConfigureAwait(false)).LoggedIn;

    public Task<int> CountSessionsAsync(params string[] users) => _accounts.CountSessionsAsync(users);

    public void DropAtEnd(string name) => _accounts.DropAtEnd(name);

    public Task LogMarkerAsync(string marker) => _accounts.LogMarkerAsync(marker);

    public ValueTask DisposeAsync() => _accounts.DisposeAsync();

    // mysql_native_password stores '*' + HEX(SHA1(SHA1(password))); clients hash the UTF-8 bytes.
    private static string IdentifiedByNativeHash(string password) =>
        "IDENTIFIED BY PASSWORD " + QuoteString("*" + Convert.ToHexString(SHA1.HashData(SHA1.HashData(Encoding.UTF8.GetBytes(password)))));
}
