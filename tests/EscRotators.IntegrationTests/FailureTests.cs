using System.Diagnostics;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>Failures reply 400 with a message that says what to fix, and never hold a password.</summary>
[TestFixture]
public sealed class FailureTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_wrong_managing_password_is_a_400_that_says_the_managing_user_could_not_log_in(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var wrongPassword = Secrets.Hostile();
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db, new TestUser(manager.Name, wrongPassword), user.Name, user.Password, newPassword);

        var result = await InProcessRotator.RunAsync(evt);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain(manager.Name).And.Contain("could not log in"));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }

        Expect.NoSecrets(result, wrongPassword, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task An_unknown_rotated_user_is_a_400_that_says_it_does_not_exist(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (other, manager) = scenario;
        var missing = Secrets.UniqueName("_nobody");
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, missing, "old-" + Secrets.Plain(), newPassword));

        Expect.BadRequest(result);
        Assert.That(result.Message, Does.Contain(missing).And.Contain("does not exist"));
        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_managing_user_without_the_grant_gets_a_400_naming_the_grant_to_add(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserWithoutGrantAsync([user]);
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            foreach (var advice in db.MissingGrantAdvice)
            {
                Assert.That(result.Message, Does.Contain(advice));
            }

            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "the user keeps its password");
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_refused_connection_is_a_fast_400(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var manager = new TestUser("manager", Secrets.Hostile());
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db, manager, "user1", "old", newPassword);
        var port = UnusedPort.Find();
        evt["port"] = port;

        var clock = Stopwatch.StartNew();
        var result = await InProcessRotator.RunAsync(evt);
        clock.Stop();

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain($"{db.Host}:{port}"));

            // Says what happened and what to check: the port refused, so is the database listening there?
            Assert.That(result.Message, Does.Contain("refused").Or.Contain("listening"));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1.5)), "a refused connection is answered quickly");
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task An_unknown_database_is_a_400_that_names_it(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db, manager, user.Name, user.Password, newPassword);
        var database = Secrets.UniqueName("_nodb");
        evt["database"] = database;

        var result = await InProcessRotator.RunAsync(evt);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain(database).And.Contain("does not exist"));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_database_that_never_answers_gets_a_400_before_the_deadline(DbEngine engine)
    {
        // A listener that completes the TCP handshake and then says nothing: a blackholed database.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var manager = new TestUser("manager", Secrets.Hostile());
        var evt = EventJson.FormA(TestDatabases.TypeOf(engine), "127.0.0.1", port, "esc_test", manager, "user1", "old", Secrets.Hostile());

        var clock = Stopwatch.StartNew();
        var result = await BootstrapProcess.RunAsync(evt, null, "--timeout", "2");
        clock.Stop();

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("did not answer in time"));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "the reply comes by the deadline (2 s, plus process start)");
        }

        Expect.NoSecrets(result, manager.Password);
    }
}
