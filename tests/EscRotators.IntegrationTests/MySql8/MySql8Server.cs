using System.Collections.Concurrent;
using System.Security.Cryptography;
using DotNet.Testcontainers.Builders;
using EscRotators.IntegrationTests.Infrastructure;
using MySqlConnector;
using Testcontainers.MySql;

namespace EscRotators.IntegrationTests.MySql8;

/// <summary>
/// A real MySQL 8 server (Oracle's <c>mysql:8.0</c> or <c>mysql:8.4</c> image) in a Testcontainers container, one per
/// image, started on first use and removed at the end of the run (<see cref="StartedContainers"/>). The image
/// generates a self-signed certificate at initialisation, so the server offers TLS; new accounts get the default
/// plugin, caching_sha2_password.
/// </summary>
public sealed class MySql8Server
{
    /// <summary>The images these tests run against.</summary>
    public const string MySql80 = "mysql:8.0";

    public const string MySql84 = "mysql:8.4";

    /// <summary>Why the tests did not run, when this machine has no Docker engine.</summary>
    public const string NoDockerReason = "not run: MySQL 8 needs a Docker engine (Testcontainers); none on this machine";

    private const string DatabaseName = "esc_test";

    private const string ConfigurationPath = "/etc/mysql/conf.d/escrotators.cnf";

    // Finding the Docker endpoint is quick when there is one; an endpoint that does not answer must not hang the run.
    private static readonly TimeSpan DockerLookupTimeout = TimeSpan.FromSeconds(30);

    // Pulling an image (about 200 MB compressed) and initialising the data directory can take minutes on a cold machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    private static readonly ConcurrentDictionary<string, Lazy<Task<Lookup>>> Servers = new(StringComparer.Ordinal);

    private readonly string _adminConnectionString;

    private MySql8Server(string image, string host, int port, string adminPassword)
    {
        Image = image;
        Host = host;
        Port = port;
        _adminConnectionString = new MySqlConnectionStringBuilder
        {
            Server = host,
            Port = (uint)port,
            Database = DatabaseName,
            UserID = "root",
            Password = adminPassword,
            SslMode = MySqlSslMode.Preferred,
            MaximumPoolSize = 4,
            ConnectionTimeout = 15,
        }.ConnectionString;
    }

    public string Image { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database => DatabaseName;

    /// <summary>The server's version string, as the rotator reads it from the handshake.</summary>
    public string ServerVersion { get; private set; } = "";

    /// <summary>
    /// The server for <paramref name="image"/>. Without a Docker engine the test is ignored with
    /// <see cref="NoDockerReason"/> (failed instead when ESC_TEST_REQUIRE_SERVERS=1: scripts/test.sh leaves these
    /// tests out with <c>Category!=Docker</c> when <c>docker info</c> fails, so in CI they either run or are not selected).
    /// </summary>
    public static async Task<MySql8Server> GetAsync(string image)
    {
        ArgumentException.ThrowIfNullOrEmpty(image);
        var lookup = await Servers
            .GetOrAdd(image, key => new Lazy<Task<Lookup>>(() => FindAsync(key), LazyThreadSafetyMode.ExecutionAndPublication))
            .Value.ConfigureAwait(false);
        if (lookup.Server is { } server)
        {
            return server;
        }

        if (!lookup.NoDocker)
        {
            TestEnvironment.Unavailable(lookup.Reason ?? $"no {image} server");
        }

        if (TestEnvironment.ServersRequired)
        {
            Assert.Fail(
                $"{lookup.Reason} (ESC_TEST_REQUIRE_SERVERS=1, so this is a failure, not a skip; leave these tests out with " +
                "--filter \"Category!=Docker\", as scripts/test.sh does when 'docker info' fails)");
        }

        Assert.Ignore(NoDockerReason);
        throw new InvalidOperationException("unreachable: Assert.Ignore throws");
    }

    /// <summary>An open, pooled connection as root.</summary>
    public async Task<MySqlConnection> OpenAdminAsync()
    {
        var connection = new MySqlConnection(_adminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        return connection;
    }

    private static async Task<Lookup> FindAsync(string image)
    {
        // .ci/server/mysql8/my.cnf (statement logging and the settings the local servers share), read at the
        // container's start from the image's include directory.
        byte[] configuration;
        try
        {
            configuration = await File.ReadAllBytesAsync(ServerConfiguration.FileOrIgnore("mysql8/my.cnf")).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return Lookup.Failed($".ci/server/mysql8/my.cnf could not be read ({ex.Message})");
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        MySqlContainer container;
        try
        {
            // The builder's constructor looks for a Docker endpoint (DOCKER_HOST, ~/.testcontainers.properties, the
            // local socket); Build() throws DockerUnavailableException when none answers.
            container = await Task.Run(
                () => new MySqlBuilder(image)
                    .WithDatabase(DatabaseName)
                    .WithUsername("root")
                    .WithPassword(password)
                    .WithResourceMapping(configuration, ConfigurationPath)
                    .Build()).WaitAsync(DockerLookupTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Lookup.WithoutDocker($"{NoDockerReason} (no Docker endpoint answered within {DockerLookupTimeout.TotalSeconds:0} s)");
        }
        catch (Exception ex) when (DockerUnavailable(ex) is { } unavailable)
        {
            return Lookup.WithoutDocker($"{NoDockerReason} ({unavailable.Message})");
        }
        catch (Exception ex)
        {
            return Lookup.Failed($"a {image} container could not be created ({ex.GetType().Name}: {ex.Message})");
        }

        StartedContainers.Add(container);
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await container.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return DockerUnavailable(ex) is { } unavailable
                ? Lookup.WithoutDocker($"{NoDockerReason} ({unavailable.Message})")
                : Lookup.Failed($"a {image} container could not be started (limit {StartTimeout.TotalMinutes:0} minutes, image pull included) ({ex.GetType().Name}: {ex.Message})");
        }

        var server = new MySql8Server(image, container.Hostname, container.GetMappedPublicPort(3306), password);
        try
        {
            await using var connection = await server.OpenAdminAsync().ConfigureAwait(false);
            server.ServerVersion = connection.ServerVersion;
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException or IOException)
        {
            return Lookup.Failed($"{image} container at {server.Host}:{server.Port}: cannot log in as root ({ex.GetType().Name}: {ex.Message})");
        }

        return Lookup.Found(server);
    }

    // Testcontainers reports a missing or unreachable engine as DockerUnavailableException, possibly wrapped.
    private static DockerUnavailableException? DockerUnavailable(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is DockerUnavailableException unavailable)
            {
                return unavailable;
            }
        }

        return null;
    }

    private sealed record Lookup(MySql8Server? Server, string? Reason, bool NoDocker)
    {
        public static Lookup Found(MySql8Server server) => new(server, null, NoDocker: false);

        public static Lookup WithoutDocker(string reason) => new(null, reason, NoDocker: true);

        public static Lookup Failed(string reason) => new(null, reason, NoDocker: false);
    }
}
