using System.Security.Cryptography;
using Npgsql;
using Testcontainers.PostgreSql;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL server of this run: the one named by ESC_TEST_PG_* when set, else a postgres:15 container
/// when Docker is available; found once, on first use.
/// </summary>
public sealed class PostgresServer
{
    private const string ContainerImage = "postgres:15";

    private static readonly Lazy<Task<(PostgresServer? Server, string? Reason)>> Lookup =
        new(FindAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private PostgresServer(string host, int port, string database, string adminUser, string adminPassword, bool tls, string? statementLog)
    {
        Host = host;
        Port = port;
        Database = database;
        AdminUser = adminUser;
        Tls = tls;
        StatementLog = statementLog;
        Admin = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = adminUser,
            Password = adminPassword,
            SslMode = SslMode.Prefer,
            MaxPoolSize = 4,
        }.ConnectionString).Build();
    }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    public string AdminUser { get; }

    /// <summary>True when the server has TLS on with a certificate from ESC_TEST_TLS_CA.</summary>
    public bool Tls { get; }

    /// <summary>The server's statement log (log_statement = all), when known.</summary>
    public string? StatementLog { get; }

    /// <summary>A pooled superuser data source for set-up and clean-up.</summary>
    public NpgsqlDataSource Admin { get; }

    public int MajorVersion { get; private set; }

    /// <summary>The server, or the test is failed (ESC_TEST_REQUIRE_SERVERS=1) or ignored.</summary>
    public static async Task<PostgresServer> GetAsync()
    {
        var (server, reason) = await Lookup.Value.ConfigureAwait(false);
        if (server is null)
        {
            TestEnvironment.Unavailable(reason ?? "no PostgreSQL server");
        }

        return server;
    }

    private static async Task<(PostgresServer?, string?)> FindAsync()
    {
        PostgresServer server;
        if (TestEnvironment.Get("ESC_TEST_PG_HOST") is { } host)
        {
            server = new PostgresServer(
                host,
                TestEnvironment.GetInt("ESC_TEST_PG_PORT") ?? 5432,
                TestEnvironment.Get("ESC_TEST_PG_DATABASE") ?? "postgres",
                TestEnvironment.Get("ESC_TEST_PG_ADMIN_USER") ?? "postgres",
                TestEnvironment.Get("ESC_TEST_PG_ADMIN_PASSWORD") ?? "",
                TestEnvironment.Get("ESC_TEST_PG_TLS") == "1",
                TestEnvironment.Get("ESC_TEST_PG_LOG"));
        }
        else
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            PostgreSqlContainer container;
            try
            {
                container = new PostgreSqlBuilder(ContainerImage)
                    .WithDatabase("esc_test")
                    .WithUsername("esc_admin")
                    .WithPassword(password)
                    .Build();
                StartedContainers.Add(container);
                await container.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                return (null, $"no PostgreSQL server: ESC_TEST_PG_HOST is not set and a {ContainerImage} container could not be started " +
                    $"({ex.GetType().Name}: {ex.Message})");
            }

            server = new PostgresServer(container.Hostname, container.GetMappedPublicPort(5432), "esc_test", "esc_admin", password, tls: false, statementLog: null);
        }

        try
        {
            await using var command = server.Admin.CreateCommand("SELECT current_setting('server_version_num')::int / 10000");
            server.MajorVersion = (int)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return (null, $"no PostgreSQL server: cannot log in as the admin user at {server.Host}:{server.Port} ({ex.GetType().Name}: {ex.Message})");
        }

        return (server, null);
    }
}
