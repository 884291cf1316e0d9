using System.Globalization;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>
/// Network and privilege faults between the rotator and a real server, produced by a <see cref="FaultProxy"/> on
/// loopback: each test checks the reply, what changed in the database, and prints its time to reply.
/// </summary>
[TestFixture]
public sealed class DatabaseFaultTests
{
    private const string ProxyHost = "127.0.0.1";

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_port_that_refuses_at_first_is_retried_with_backoff_and_the_rotation_succeeds_inside_the_deadline(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port);
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db.Type, ProxyHost, proxy.Port, db.Database, manager, user.Name, user.Password, newPassword);

        // The port is bound but not listening: a real ECONNREFUSED. One attempt without retries first, which also
        // warms the driver's connect path so that JIT cannot outlast the 150 ms below.
        var (refused, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(30), TestRotatorDefaults.Options with { RetryDelays = [] });
        Expect.BadRequest(refused);
        Assert.That(refused.Message, Does.Contain("refused"), "the port refuses before the listener starts");

        var (result, elapsed) = await DeadlineRotator.RunAsync(
            evt,
            TimeSpan.FromSeconds(30),
            onStart: () => proxy.StartAfter(TimeSpan.FromMilliseconds(150)));
        Report("refused, then listening after 150 ms", engine, result, elapsed);

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DeadlineRotator.Retries(result), Is.InRange(1, 3), "the refused attempts were retried: " + result.Describe());
            Assert.That(proxy.Accepted, Is.GreaterThanOrEqualTo(2), "the password was set and verified through the proxy: " + proxy.Describe());
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "backoff of 100, 200, 400 ms stays well inside the deadline");
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the new password logs in");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.False, "the old password no longer does");
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_port_that_keeps_refusing_is_a_400_within_a_second_after_the_retries(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port); // never started: every connect is refused
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db.Type, ProxyHost, proxy.Port, db.Database, manager, user.Name, user.Password, newPassword);
        var options = TestRotatorDefaults.Options;

        var (result, elapsed) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(30), options);
        Report("refused for good", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain($"{ProxyHost}:{proxy.Port}"));
            Assert.That(result.Message, Does.Contain("refused").Or.Contain("listening"));
            Assert.That(DeadlineRotator.Retries(result), Is.EqualTo(options.RetryDelays.Count), "every retry was used before giving up");
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "a refused connection is answered within a second, retries included");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Losing_the_database_between_the_change_and_the_verification_login_is_a_400_saying_the_password_was_changed(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        await using var proxy = LostAfterFirstSession(db);
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(db.Type, ProxyHost, proxy.Port, db.Database, manager, user.Name, user.Password, newPassword);

        var (result, elapsed) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(30));
        Report("lost before verification (Form A)", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain($"the password of \"{user.Name}\" was changed, but logging in with it failed"));
            Assert.That(result.Message, Does.Contain("retry the rotation to set the password again"));
            Assert.That(proxy.BytesFromServer, Is.Positive, "the managing user's session went through: " + proxy.Describe());

            // Straight to the server, not through the proxy: ALTER ran.
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the new password was set before the database was lost");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.False);
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Losing_the_database_before_the_verification_login_returns_no_state_and_a_retry_rotates_the_same_user(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var state = new JsonObject
        {
            ["current"] = EventJson.Credentials(user1.Name, user1.Password),
            ["previous"] = EventJson.Credentials(user2.Name, user2.Password),
        };
        var healthy = EventJson.FormB(db, manager, user1.Name, user2.Name, state);
        var throughProxy = healthy.DeepClone().AsObject();
        await using var proxy = LostAfterFirstSession(db);
        throughProxy["inputs"]!["database"]!["host"] = ProxyHost;
        throughProxy["inputs"]!["database"]!["port"] = proxy.Port;

        var (failed, elapsed) = await DeadlineRotator.RunAsync(throughProxy, TimeSpan.FromSeconds(30));
        Report("lost before verification (Form B)", engine, failed, elapsed);

        Expect.BadRequest(failed); // also: no state in the reply
        using (Assert.EnterMultipleScope())
        {
            Assert.That(failed.Message, Does.Contain($"the password of \"{user2.Name}\" was changed, but logging in with it failed"));
            Assert.That(failed.Message, Does.Contain("the next rotation sets this user's password again"));
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.True, "the caller's current user is untouched");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.False, "ALTER ran on the non-current user");
        }

        // The caller kept its old state and sends the same event again, this time over a healthy path.
        var (retried, retryElapsed) = await DeadlineRotator.RunAsync(healthy, TimeSpan.FromSeconds(30));
        Report("retry after loss (Form B, direct)", engine, retried, retryElapsed);

        Expect.Ok(retried);
        var newPassword = (string?)retried.Current?["password"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)retried.Current?["username"], Is.EqualTo(user2.Name), "the retry rotates the same user");
            Assert.That((string?)retried.Previous?["username"], Is.EqualTo(user1.Name));
            Assert.That((string?)retried.Previous?["password"], Is.EqualTo(user1.Password));
            Assert.That(newPassword, Is.Not.Null.And.Not.Empty);
            Assert.That(await db.CanLogInAsync(user2.Name, newPassword!), Is.True);
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.True, "the previous user still logs in");
        }

        Expect.NoSecrets(failed, manager.Password, user1.Password, user2.Password, newPassword);
        Expect.NoSecrets(retried, manager.Password, user1.Password, user2.Password, newPassword);
    }

    /// <summary>
    /// Drivers time out in whole seconds, so with under a second left an attempt could outlive the invocation:
    /// the rotator refuses to start one and says to raise the function timeout.
    /// </summary>
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_deadline_too_short_to_bound_a_connection_is_a_prompt_400_without_connecting(DbEngine engine)
    {
        await using var proxy = FaultProxy.StallAll();
        proxy.Start();
        var manager = new TestUser("manager", Secrets.Hostile());
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(TestDatabases.TypeOf(engine), ProxyHost, proxy.Port, "esc_test", manager, "user1", "old", newPassword);
        var timeout = TimeSpan.FromMilliseconds(1000);

        var (result, elapsed) = await DeadlineRotator.RunAsync(evt, timeout);
        Report("stall, 1000 ms deadline", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("raise the function timeout"));
            Assert.That(proxy.Accepted, Is.Zero, "no connection was attempted: " + proxy.Describe());
            Assert.That(elapsed, Is.LessThan(timeout), "the reply comes before the deadline");
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    /// <remarks>
    /// The driver's own connect timeout (whole seconds, rounded down inside the deadline margin) ends the wait and
    /// closes the socket before the reply.
    /// </remarks>
    [TestCase(DbEngine.Postgres, 3000, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, 3000, Category = "MySql")]
    public async Task A_database_that_accepts_but_never_answers_gets_a_400_before_the_deadline_and_no_connection_is_left_open(
        DbEngine engine,
        int deadlineMs)
    {
        await using var proxy = FaultProxy.StallAll();
        proxy.Start();
        var manager = new TestUser("manager", Secrets.Hostile());
        var newPassword = Secrets.Hostile();
        var evt = EventJson.FormA(TestDatabases.TypeOf(engine), ProxyHost, proxy.Port, "esc_test", manager, "user1", "old", newPassword);
        var timeout = TimeSpan.FromMilliseconds(deadlineMs);

        var (result, elapsed) = await DeadlineRotator.RunAsync(evt, timeout);
        var allClosed = await proxy.AllClosedWithinAsync(TimeSpan.FromMilliseconds(100));
        Report($"stall, {deadlineMs} ms deadline", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("did not answer in time"));
            Assert.That(proxy.Accepted, Is.GreaterThanOrEqualTo(1), "the TCP handshake completed; the server just said nothing: " + proxy.Describe());
            Assert.That(elapsed, Is.LessThan(timeout), "the reply comes before the deadline");
            Assert.That(allClosed, Is.True, "no connection outlives the invocation (checked 100 ms after the reply): " + proxy.Describe());
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_silent_database_is_reported_as_not_answering_and_is_not_retried(DbEngine engine)
    {
        // A connect timeout of 1 s well inside a 30 s deadline: the driver's own timeout, not the deadline, ends
        // the attempt. The TCP handshake succeeded, so this is a timeout, not "unreachable": nothing to retry.
        await using var proxy = FaultProxy.StallAll();
        proxy.Start();
        var manager = new TestUser("manager", Secrets.Hostile());
        var evt = EventJson.FormA(TestDatabases.TypeOf(engine), ProxyHost, proxy.Port, "esc_test", manager, "user1", "old", Secrets.Hostile());

        var (result, elapsed) = await DeadlineRotator.RunAsync(
            evt,
            TimeSpan.FromSeconds(30),
            TestRotatorDefaults.Options with { MaximumConnectTimeout = TimeSpan.FromSeconds(1) });
        Report("stall, 1 s connect timeout, 30 s deadline", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("did not answer in time"));
            Assert.That(DeadlineRotator.Retries(result), Is.Zero, "a server that accepted and said nothing is not retried: " + result.Describe());
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "one connect timeout, not four");
        }

        Expect.NoSecrets(result, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_managing_user_without_the_privilege_gets_a_prompt_400_naming_the_grant(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserWithoutGrantAsync([user]);
        var newPassword = Secrets.Hostile();

        var (result, elapsed) = await DeadlineRotator.RunAsync(
            EventJson.FormA(db, manager, user.Name, user.Password, newPassword),
            TimeSpan.FromSeconds(30));
        Report("missing privilege", engine, result, elapsed);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            foreach (var advice in db.MissingGrantAdvice)
            {
                Assert.That(result.Message, Does.Contain(advice));
            }

            Assert.That(DeadlineRotator.Retries(result), Is.Zero, "a missing privilege is not retried");
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "the user keeps its password");
        }

        Expect.NoSecrets(result, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_rotation_opens_one_connection_per_login_and_closes_them_all(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port);
        proxy.Start();
        var newPassword = Secrets.Plain();
        var evt = EventJson.FormA(db.Type, ProxyHost, proxy.Port, db.Database, manager, user.Name, user.Password, newPassword);

        var (result, elapsed) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(30));
        Report("none (connection count)", engine, result, elapsed);

        Expect.Ok(result);
        var allClosed = await proxy.AllClosedWithinAsync(TimeSpan.FromSeconds(3));
        using (Assert.EnterMultipleScope())
        {
            // The managing user's and the verification login: a connect each, nothing more (every extra TCP
            // connection is an extra round trip, an extra "connection received" in the server log, and skews retries).
            Assert.That(proxy.Accepted, Is.EqualTo(2), "TCP connections the rotation opened: " + proxy.Describe());
            Assert.That(allClosed, Is.True, "every connection is closed after the reply: " + proxy.Describe());
        }
    }

    /// <summary>
    /// Forwards the managing user's session (which runs ALTER) and resets every connection accepted after the server
    /// first answered: the verification login meets a dead port.
    /// </summary>
    private static FaultProxy LostAfterFirstSession(ITestDatabase db)
    {
        var proxy = FaultProxy.ForwardFirstSessionThen(db.Host, db.Port, ProxyAction.Refuse);
        proxy.Start();
        return proxy;
    }

    private static void Report(string fault, DbEngine engine, RotatorRun result, TimeSpan elapsed) =>
        TestContext.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"time to reply [{fault}, {engine}]: {elapsed.TotalMilliseconds:F0} ms, code {result.Code}, {DeadlineRotator.Retries(result)} retries"));
}
