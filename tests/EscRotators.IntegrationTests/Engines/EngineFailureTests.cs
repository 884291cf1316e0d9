using EscRotators.IntegrationTests.Faults;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// Whatever the driver or the server throws (a port speaking the other protocol, garbage, an unknown authentication
/// plugin, a host the driver parses itself, a lock wait, a connection closed after the password statement), the
/// reply is a 400 naming the endpoint, never an exception; and no password is ever sent in the clear
/// (for MySQL, <see cref="RogueMySqlServerTests"/>).
/// </summary>
[TestFixture]
public sealed class EngineFailureTests
{
    [TestCase("disable")]
    [TestCase("prefer")]
    [Category("Postgres")]
    public async Task Postgres_pointed_at_a_MariaDB_port_is_a_400_naming_the_endpoint(string tlsMode)
    {
        var mariaDb = await MariaDbServer.GetAsync();
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var evt = EventJson.FormA("postgres", mariaDb.Host, mariaDb.Port, "app", manager, "user1", "old", Secrets.Plain(), EventJson.Tls(tlsMode));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain($"{mariaDb.Host}:{mariaDb.Port}"), result.Describe());
            Assert.That(result.Message, Does.Contain("PostgreSQL"), result.Describe());
            Assert.That(result.Message, Does.Not.Contain("does not offer TLS"), "the port is not PostgreSQL at all");
        }
    }

    [TestCase("disable")]
    [TestCase("prefer")]
    [Category("MySql")]
    public async Task MySql_pointed_at_a_PostgreSQL_port_is_a_400_naming_the_endpoint(string tlsMode)
    {
        var postgres = await PostgresServer.GetAsync();
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var evt = EventJson.FormA("mysql", postgres.Host, postgres.Port, "app", manager, "user1", "old", Secrets.Plain(), EventJson.Tls(tlsMode));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        Assert.That(result.Message, Does.Contain($"{postgres.Host}:{postgres.Port}"), result.Describe());
    }

    [TestCase(FakeMySqlServer.Behaviour.Garbage)]
    [TestCase(FakeMySqlServer.Behaviour.UnknownPlugin)]
    [Category("MySql")]
    public async Task A_MySQL_server_that_misbehaves_is_a_400_naming_the_endpoint(FakeMySqlServer.Behaviour behaviour)
    {
        await using var fake = FakeMySqlServer.Start(behaviour);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var evt = EventJson.FormA("mysql", "127.0.0.1", fake.Port, "app", manager, "user1", "old", Secrets.Plain(), EventJson.Tls("prefer"));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        Assert.That(result.Message, Does.Contain($"127.0.0.1:{fake.Port}"), result.Describe());
        Expect.NoSecrets(result, manager.Password);
    }

    [TestCase("127.0.0.1:abc")]
    [TestCase("127.0.0.1:")]
    [TestCase("127.0.0.1:99999")]
    [Category("Postgres")]
    public async Task A_postgres_host_with_an_embedded_port_is_a_400(string host)
    {
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var evt = EventJson.FormA("postgres", host, 5432, "app", manager, "user1", "old", Secrets.Plain(), EventJson.Tls("disable"));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        Assert.That(result.Message, Does.Contain("host").Or.Contain(host), result.Describe());
    }

    [TestCase("prefer")]
    [TestCase("disable")]
    [Category("Postgres")]
    public async Task Postgres_never_sends_the_password_in_cleartext_without_required_tls(string tlsMode)
    {
        await using var impostor = PlaintextOnlyServer.Start(DbEngine.Postgres);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Hostile());
        var evt = EventJson.FormA("postgres", "127.0.0.1", impostor.Port, "app", manager, "user1", "old", Secrets.Plain(), EventJson.Tls(tlsMode));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("cleartext"), result.Describe());
            Assert.That(impostor.ReceivedText, Does.Contain(manager.Name), "the control: the impostor did see the login");
            foreach (var form in Expect.Forms(manager.Password))
            {
                Assert.That(impostor.ReceivedText, Does.Not.Contain(form), "the password was sent in cleartext");
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_connection_closed_right_after_the_password_statement_says_the_outcome_is_unknown(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port);
        proxy.Silence = ServerSilence.HangupAfterClientSends(engine == DbEngine.Postgres ? "PASSWORD 'SCRAM-SHA-256" : "ALTER USER");
        proxy.Start();
        var newPassword = Secrets.Plain();
        var evt = EventJson.FormA(db.Type, "127.0.0.1", proxy.Port, db.Database, manager, user.Name, user.Password, newPassword, EventJson.Tls("disable"));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(proxy.Silenced, Is.EqualTo(1), proxy.Describe());
            Assert.That(result.Message, Does.Contain("may or may not have changed"), result.Describe());
            Assert.That(result.Message, Does.Not.Contain("could not connect"), result.Describe());
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_lock_wait_on_ALTER_ROLE_names_the_statement_and_says_the_outcome_is_unknown()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var server = await PostgresServer.GetAsync();

        // Another session changed the role and has not committed: its row lock makes our ALTER ROLE wait.
        await using var blocker = await server.Admin.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var alter = new Npgsql.NpgsqlCommand($"ALTER ROLE \"{user.Name}\" CONNECTION LIMIT 5", blocker, transaction))
        {
            await alter.ExecuteNonQueryAsync();
        }

        var (result, elapsed) = await DeadlineRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain()), TimeSpan.FromSeconds(3));
        await transaction.RollbackAsync();

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("ALTER ROLE"), result.Describe());
            Assert.That(result.Message, Does.Contain("lock"), result.Describe());
            Assert.That(result.Message, Does.Contain("may or may not have changed"), result.Describe());
            Assert.That(result.Message, Does.Not.Contain("security groups"), "a lock wait is not a network problem");
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        }
    }
}
