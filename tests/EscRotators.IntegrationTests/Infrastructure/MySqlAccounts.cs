using System.Globalization;
using MySqlConnector;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The MySQL-family accounts ('<c>name</c>'@'%') one test creates through a server's admin login, for MariaDB and
/// MySQL 8 alike: the least-privilege grants, session counts, log markers, and dropping everything on dispose. Names
/// are quoted here as string literals (quotes doubled, backslashes escaped), independently of the product's bound
/// parameters. How a password is given to CREATE USER is the server's: <paramref name="identifiedBy"/>.
/// </summary>
/// <param name="openAdmin">Opens a connection as the server's admin.</param>
/// <param name="database">The database the managing user gets ALTER on.</param>
/// <param name="identifiedBy">The IDENTIFIED clause for a password (MariaDB: a hash; MySQL 8: the rewritten-in-logs plaintext form).</param>
/// <param name="catalogReadGrants">The server's documented read grants on the account catalog, for a quoted account (<see cref="MySqlCatalogGrants"/>).</param>
public sealed class MySqlAccounts(
    Func<Task<MySqlConnection>> openAdmin,
    string database,
    Func<string, string> identifiedBy,
    Func<string, IReadOnlyList<string>> catalogReadGrants) : IAsyncDisposable
{
    // ER_ACCESS_DENIED_NO_PASSWORD_ERROR, which MySqlConnector's enum does not name.
    private const int AccessDeniedNoPassword = 1698;

    private readonly List<string> _created = [];
    private readonly List<string> _roles = [];
    private readonly List<string> _databases = [];

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

    /// <summary>Drops '<paramref name="name"/>'@'%' at the end, first of all.</summary>
    public void DropAtEnd(string name) => _created.Add(name);

    public async Task<TestUser> CreateUserAsync(string? name = null, string? password = null)
    {
        var user = new TestUser(name ?? Secrets.UniqueName("_user"), password ?? Secrets.Plain());
        await CreateAccountAsync(user).ConfigureAwait(false);
        return user;
    }

    /// <summary>
    /// The least privilege the protocol names: ALTER on the database, CREATE USER globally, and the column-level read
    /// grants on the account catalog that let the rotator refuse administrative accounts.
    /// </summary>
    public async Task<TestUser> CreateManagingUserAsync(string? name = null, string? password = null)
    {
        var manager = await CreateManagingUserWithoutGrantAsync(name ?? Secrets.UniqueName("_mgr"), password).ConfigureAwait(false);
        await ExecuteAsync($"GRANT CREATE USER ON *.* TO {Account(manager.Name)}").ConfigureAwait(false);
        return manager;
    }

    /// <summary>A managing user that can log in and read the account catalog but lacks CREATE USER, so it cannot change other accounts' passwords.</summary>
    public async Task<TestUser> CreateManagingUserWithoutGrantAsync(string? name = null, string? password = null)
    {
        var manager = await CreateManagingUserWithoutCatalogReadAsync(name ?? Secrets.UniqueName("_weak"), password).ConfigureAwait(false);
        foreach (var grant in catalogReadGrants(Account(manager.Name)))
        {
            await ExecuteAsync(grant).ConfigureAwait(false);
        }

        return manager;
    }

    /// <summary>The managing user as documented before the catalog read grants: ALTER on the database and CREATE USER, nothing else.</summary>
    public async Task<TestUser> CreateManagingUserWithoutCatalogReadAsync(string? name = null, string? password = null, bool createUser = false)
    {
        var manager = new TestUser(name ?? Secrets.UniqueName("_mgr"), password ?? Secrets.Plain());
        await CreateAccountAsync(manager).ConfigureAwait(false);
        await ExecuteAsync($"GRANT ALTER ON {QuoteIdentifier(database)}.* TO {Account(manager.Name)}").ConfigureAwait(false);
        if (createUser)
        {
            await ExecuteAsync($"GRANT CREATE USER ON *.* TO {Account(manager.Name)}").ConfigureAwait(false);
        }

        return manager;
    }

    /// <summary>A role (MariaDB: <c>CREATE ROLE</c>, host <c>''</c>), dropped on dispose; its name.</summary>
    public async Task<string> CreateRoleAsync()
    {
        var name = Secrets.UniqueName("_role");
        _roles.Add(name);
        await ExecuteAsync($"CREATE ROLE {QuoteString(name)}").ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Opens a real, unpooled connection as <paramref name="user"/> and runs SELECT 1; reports the TLS cipher of the
    /// session (empty over plaintext). A refused password is <c>LoggedIn: false</c>; other failures throw.
    /// </summary>
    public static async Task<MySqlLogin> LogInAsync(string host, int port, string user, string password, MySqlSslMode sslMode)
    {
        var settings = new MySqlConnectionStringBuilder
        {
            Server = host,
            Port = (uint)port,
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
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.AccessDenied || (int)ex.ErrorCode == AccessDeniedNoPassword)
        {
            // 1698 instead of 1045 once an authentication plugin such as auth_pam is loaded and the account does not exist.
            return new MySqlLogin(false, "");
        }

        await using (var select = new MySqlCommand("SELECT 1", connection))
        {
            if (Convert.ToInt32(await select.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture) != 1)
            {
                return new MySqlLogin(false, "");
            }
        }

        await using var status = new MySqlCommand("SHOW SESSION STATUS LIKE 'Ssl_cipher'", connection);
        await using var reader = await status.ExecuteReaderAsync().ConfigureAwait(false);
        var cipher = await reader.ReadAsync().ConfigureAwait(false) ? reader.GetString(1) : "";
        return new MySqlLogin(true, cipher);
    }

    public async Task<int> CountSessionsAsync(params string[] users)
    {
        ArgumentNullException.ThrowIfNull(users);
        if (users.Length == 0)
        {
            return 0;
        }

        await using var connection = await openAdmin().ConfigureAwait(false);
        var names = string.Join(", ", users.Select(QuoteString));
        await using var count = new MySqlCommand($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER IN ({names})", connection);
        return Convert.ToInt32(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public Task LogMarkerAsync(string marker) => ExecuteAsync($"SELECT {QuoteString(marker)} AS marker");

    /// <summary>A database named <paramref name="name"/> (any characters), dropped on dispose; its quoted name.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        _databases.Add(name);
        await ExecuteAsync($"CREATE DATABASE {QuoteIdentifier(name)}").ConfigureAwait(false);
        return QuoteIdentifier(name);
    }

    /// <summary>Runs a query as the admin; the first column of every row, as text (NULL as null).</summary>
    public async Task<List<string?>> QueryAsync(string sql)
    {
        await using var connection = await openAdmin().ConfigureAwait(false);
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var rows = new List<string?>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            rows.Add(reader.IsDBNull(0) ? null : reader.GetValue(0) is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return rows;
    }

    /// <summary>Runs one statement as the admin.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await openAdmin().ConfigureAwait(false);
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
        for (var i = _roles.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync($"DROP ROLE IF EXISTS {QuoteString(_roles[i])}").ConfigureAwait(false);
        }

        _roles.Clear();
        for (var i = _databases.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {QuoteIdentifier(_databases[i])}").ConfigureAwait(false);
        }

        _databases.Clear();
    }

    private async Task CreateAccountAsync(TestUser user)
    {
        _created.Add(user.Name);
        await ExecuteAsync($"CREATE USER {Account(user.Name)} {identifiedBy(user.Password)}").ConfigureAwait(false);
    }
}
