using System.Globalization;
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
    private readonly List<string> _created = [];

    public MySql8TestDatabase(MySql8Server server)
    {
        _server = server;
    }

    public MySql8Server Server => _server;

    public DbEngine Engine => DbEngine.MariaDb;

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
    public static string QuoteString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    public static string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";
    }

    public static string Account(string name) => QuoteString(name) + "@'%'";

    public async Task<TestUser> CreateUserAsync(string? name = null, string? password = null)
    {
        var user = new TestUser(name ?? Secrets.UniqueName("_u"), password ?? Secrets.Plain());
        await CreateAccountAsync(user).ConfigureAwait(false);
        return user;
    }

    /// <summary>The least privilege PROTOCOL.md names: ALTER on the database and CREATE USER globally.</summary>
    public async Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null)
    {
        var manager = new TestUser(name ?? Secrets.UniqueName("_m"), password ?? Secrets.Plain());
        await CreateAccountAsync(manager).ConfigureAwait(false);
        await ExecuteAsync($"GRANT ALTER ON {QuoteIdentifier(Database)}.* TO {Account(manager.Name)}").ConfigureAwait(false);
        await ExecuteAsync($"GRANT CREATE USER ON *.* TO {Account(manager.Name)}").ConfigureAwait(false);
        return manager;
    }

    public async Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable)
    {
        var manager = new TestUser(Secrets.UniqueName("_w"), Secrets.Plain());
        await CreateAccountAsync(manager).ConfigureAwait(false);
        await ExecuteAsync($"GRANT ALTER ON {QuoteIdentifier(Database)}.* TO {Account(manager.Name)}").ConfigureAwait(false);
        return manager;
    }

    /// <summary>Logs in over TLS when the server offers it (MySqlConnector's Preferred), as the rotator does by default.</summary>
    public async Task<bool> CanLogInAsync(string user, string password) =>
        (await LogInAsync(user, password, MySqlSslMode.Preferred).ConfigureAwait(false)).LoggedIn;

    /// <summary>
    /// Opens a real, unpooled connection as <paramref name="user"/> and runs SELECT 1; reports the TLS cipher of the
    /// session (empty over plaintext). A refused password is <c>LoggedIn: false</c>; other failures throw.
    /// </summary>
    public async Task<Login> LogInAsync(string user, string password, MySqlSslMode sslMode)
    {
        var settings = new MySqlConnectionStringBuilder
        {
            Server = Host,
            Port = (uint)Port,
            UserID = user,
            Password = password,
            Pooling = false,
            SslMode = sslMode,
            AllowPublicKeyRetrieval = false,
            ConnectionTimeout = 15,
        };
        await using var connection = new MySqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            return new Login(false, "");
        }

        await using (var select = new MySqlCommand("SELECT 1", connection))
        {
            if (Convert.ToInt32(await select.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture) != 1)
            {
                return new Login(false, "");
            }
        }

        await using var status = new MySqlCommand("SHOW SESSION STATUS LIKE 'Ssl_cipher'", connection);
        await using var reader = await status.ExecuteReaderAsync().ConfigureAwait(false);
        var cipher = await reader.ReadAsync().ConfigureAwait(false) ? reader.GetString(1) : "";
        return new Login(true, cipher);
    }

    /// <summary>The authentication plugin of '<paramref name="user"/>'@'%'.</summary>
    public async Task<string?> PluginOfAsync(string user)
    {
        await using var connection = await _server.OpenAdminAsync().ConfigureAwait(false);
        await using var command = new MySqlCommand($"SELECT plugin FROM mysql.user WHERE User = {QuoteString(user)} AND Host = '%'", connection);
        return await command.ExecuteScalarAsync().ConfigureAwait(false) as string;
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
        return Convert.ToInt32(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public Task LogMarkerAsync(string marker) => ExecuteAsync($"SELECT {QuoteString(marker)} AS marker");

    /// <summary>Runs one statement as root.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await _server.OpenAdminAsync().ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync($"DROP USER IF EXISTS {Account(_created[i])}").ConfigureAwait(false);
        }

        _created.Clear();
    }

    private async Task CreateAccountAsync(TestUser user)
    {
        _created.Add(user.Name);
        await ExecuteAsync($"CREATE USER {Account(user.Name)} IDENTIFIED BY {QuoteString(user.Password)}").ConfigureAwait(false);
    }

    /// <summary>The outcome of one login: whether it worked, and the session's TLS cipher (empty over plaintext).</summary>
    public readonly record struct Login(bool LoggedIn, string TlsCipher);
}
