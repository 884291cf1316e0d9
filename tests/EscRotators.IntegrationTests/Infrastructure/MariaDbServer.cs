using System.Security.Cryptography;
using MySqlConnector;
using Testcontainers.MySql;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The MariaDB (or MySQL) server of this run: the one named by ESC_TEST_MYSQL_* when set, else a mariadb:10.11
/// container when Docker is available; found once, on first use.
/// </summary>
public sealed class MariaDbServer
{
    private const string ContainerImage = "mariadb:10.11";

    private static readonly Lazy<Task<(MariaDbServer? Server, string? Reason)>> Lookup =
        new(FindAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string _adminConnectionString;

    private MariaDbServer(string host, int port, string database, string adminUser, string adminPassword, bool tls, string? statementLog)
    {
        Host = host;
        Port = port;
        Database = database;
        Tls = tls;
        StatementLog = statementLog;
        _adminConnectionString = new MySqlConnectionStringBuilder
        {
            Server = host,
            Port = (uint)port,
            Database = database,
            UserID = adminUser,
            Password = adminPassword,
            SslMode = MySqlSslMode.Preferred,
            MaximumPoolSize = 4,
        }.ConnectionString;
    }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    /// <summary>True when the server has TLS on with a certificate from ESC_TEST_TLS_CA.</summary>
    public bool Tls { get; }

    /// <summary>The server's general query log, when known.</summary>
    public string? StatementLog { get; }

    /// <summary>The longest user name the server accepts, in characters.</summary>
    public int MaxUserNameLength { get; private set; }

    /// <summary>The server, or the test is failed (ESC_TEST_REQUIRE_SERVERS=1) or ignored.</summary>
    public static async Task<MariaDbServer> GetAsync()
    {
        var (server, reason) = await Lookup.Value.ConfigureAwait(false);
        if (server is null)
        {
            TestEnvironment.Unavailable(reason ?? "no MariaDB/MySQL server");
        }

        return server;
    }

    /// <summary>An open, pooled connection as the admin (superuser) login.</summary>
    public async Task<MySqlConnection> OpenAdminAsync()
    {
        var connection = new MySqlConnection(_adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        return connection;
    }

    private static async Task<(MariaDbServer?, string?)> FindAsync()
    {
        MariaDbServer server;
        if (TestEnvironment.Get("ESC_TEST_MYSQL_HOST") is { } host)
        {
            server = new MariaDbServer(
                host,
                TestEnvironment.GetInt("ESC_TEST_MYSQL_PORT") ?? 3306,
                TestEnvironment.Get("ESC_TEST_MYSQL_DATABASE") ?? "esc_test",
                TestEnvironment.Get("ESC_TEST_MYSQL_ADMIN_USER") ?? "root",
                TestEnvironment.Get("ESC_TEST_MYSQL_ADMIN_PASSWORD") ?? "",
                TestEnvironment.Get("ESC_TEST_MYSQL_TLS") == "1",
                TestEnvironment.Get("ESC_TEST_MYSQL_GENERAL_LOG"));
        }
        else
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            MySqlContainer container;
            try
            {
                container = new MySqlBuilder(ContainerImage)
                    .WithDatabase("esc_test")
                    .WithUsername("root")
                    .WithPassword(password)
                    .Build();
                StartedContainers.Add(container);
                await container.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return (null, $"no MariaDB server: ESC_TEST_MYSQL_HOST is not set and a {ContainerImage} container could not be started " +
                    $"({ex.GetType().Name}: {ex.Message})");
            }

            server = new MariaDbServer(container.Hostname, container.GetMappedPublicPort(3306), "esc_test", "root", password, tls: false, statementLog: null);
        }

        try
        {
            await using var connection = await server.OpenAdminAsync().ConfigureAwait(false);

            // MariaDB keeps accounts in mysql.global_priv (128 characters on 10.6+); MySQL in mysql.user (32).
            await using var command = new MySqlCommand(
                "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS " +
                "WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME IN ('global_priv', 'user') AND COLUMN_NAME = 'User' " +
                "ORDER BY TABLE_NAME = 'global_priv' DESC LIMIT 1",
                connection);
            server.MaxUserNameLength = Convert.ToInt32(await command.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException)
        {
            return (null, $"no MariaDB server: cannot log in as the admin user at {server.Host}:{server.Port} ({ex.GetType().Name}: {ex.Message})");
        }

        return (server, null);
    }
}
