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
    private readonly List<string> _created = [];

    public MariaDbTestDatabase(MariaDbServer server)
    {
        _server = server;
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

    public static string QuoteString(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string QuoteIdentifier(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    public async Task<TestUser> CreateUserAsync(string? name = null, string? password = null)
    {
        var user = new TestUser(name ?? Secrets.UniqueName("_user"), password ?? Secrets.Plain());
        await CreateAccountAsync(user).ConfigureAwait(false);
        return user;
    }

    public async Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null)
    {
        var manager = new TestUser(name ?? Secrets.UniqueName("_mgr"), password ?? Secrets.Plain());
        await CreateAccountAsync(manager).ConfigureAwait(false);
        await ExecuteAsync($"GRANT ALTER ON {QuoteIdentifier(Database)}.* TO {Account(manager.Name)}").ConfigureAwait(false);
        await ExecuteAsync($"GRANT CREATE USER ON *.* TO {Account(manager.Name)}").ConfigureAwait(false);
        return manager;
    }

    public async Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable)
    {
        var manager = new TestUser(Secrets.UniqueName("_weak"), Secrets.Plain());
        await CreateAccountAsync(manager).ConfigureAwait(false);
        await ExecuteAsync($"GRANT ALTER ON {QuoteIdentifier(Database)}.* TO {Account(manager.Name)}").ConfigureAwait(false);
        return manager;
    }

    /// <summary>Lets <paramref name="user"/> log in over TLS only, as RDS parameter groups or hardened servers demand.</summary>
    public Task RequireSslAsync(TestUser user) => ExecuteAsync($"ALTER USER {Account(user.Name)} REQUIRE SSL");

    public async Task<bool> CanLogInAsync(string user, string password)
    {
        var settings = new MySqlConnectionStringBuilder
        {
            Server = Host,
            Port = (uint)Port,
            UserID = user,
            Password = password,
            Pooling = false,
            SslMode = MySqlSslMode.Preferred,
            ConnectionTimeout = 10,
        };
        await using var connection = new MySqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            return false;
        }

        await using var select = new MySqlCommand("SELECT 1", connection);
        return Convert.ToInt32(await select.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public async Task<int> CountSessionsAsync(params string[] users)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Length == 0)
        {
            return 0;
        }

        await using var connection = await _server.OpenAdminAsync().ConfigureAwait(false);
        var names = string.Join(", ", users.Select(QuoteString));
        await using var count = new MySqlCommand($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER IN ({names})", connection);
        return Convert.ToInt32(await count.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task LogMarkerAsync(string marker) => ExecuteAsync($"SELECT {QuoteString(marker)} AS marker");

    public async ValueTask DisposeAsync()
    {
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync($"DROP USER IF EXISTS {Account(_created[i])}").ConfigureAwait(false);
        }

        _created.Clear();
    }

    private static string Account(string name) => QuoteString(name) + "@'%'";

    // mysql_native_password stores '*' + HEX(SHA1(SHA1(password))); clients hash the UTF-8 bytes.
    private static string NativePasswordHash(string password) =>
        "*" + Convert.ToHexString(SHA1.HashData(SHA1.HashData(Encoding.UTF8.GetBytes(password))));

    private async Task CreateAccountAsync(TestUser user)
    {
        _created.Add(user.Name);
        await ExecuteAsync($"CREATE USER {Account(user.Name)} IDENTIFIED BY PASSWORD {QuoteString(NativePasswordHash(user.Password))}").ConfigureAwait(false);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _server.OpenAdminAsync().ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
