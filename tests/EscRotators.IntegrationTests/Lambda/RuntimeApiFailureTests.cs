using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.LocalRuntime;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>
/// What Lambda sees when things go wrong: a bad event is a normal 400 reply and the runtime lives on; a bad
/// environment is an init error and the process exits; a database that never answers still gets a reply in time.
/// </summary>
[TestFixture]
[Category("Lambda")]
public sealed class RuntimeApiFailureTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_malformed_event_gets_a_400_and_the_same_process_then_rotates(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var newPassword = Secrets.Plain();
        await using var lambda = await PublishedLambda.StartAsync();

        // Cut off mid-document, as a truncated or corrupted payload would be.
        var truncated = Encoding.UTF8.GetBytes($$"""{"type":"{{db.Type}}","host":"{{db.Host}}","port":""");
        var (bad, badInvocation) = await PublishedLambda.RotateAsync(lambda, truncated);
        var (good, _) = await PublishedLambda.RotateAsync(lambda, EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bad.Code, Is.EqualTo(400), "a malformed event is a normal reply with code 400, not a function error: " + bad.Describe());
            Assert.That(badInvocation.ErrorType, Is.Null);
            Assert.That(good.Code, Is.EqualTo(200), good.Describe());
            Assert.That(lambda.HasExited, Is.False, "the runtime survives a malformed event");
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
        }

        Expect.NoSecrets(good, manager.Password, user.Password, newPassword);
    }

    [Test]
    public async Task A_bad_environment_is_posted_to_init_error_and_the_process_exits_non_zero()
    {
        await using var lambda = await PublishedLambda.StartAsync(new Dictionary<string, string> { ["ESC_ROTATOR_TLS_MODE"] = "bogus" });

        var invocation = await lambda.InvokeAsync("""{"type":"postgres"}"""u8.ToArray());
        var exited = await lambda.WaitForExitAsync(TimeSpan.FromSeconds(10));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(invocation.Outcome, Is.EqualTo(LambdaInvocationOutcome.InitError), PublishedLambda.Describe(invocation, lambda));
            Assert.That(invocation.ErrorType, Does.StartWith("Runtime."), "Lambda-Runtime-Function-Error-Type of an init error");
            Assert.That(invocation.BodyText, Does.Contain("ESC_ROTATOR_TLS_MODE"), "the error names the variable to fix");
            Assert.That(exited, Is.True, "the process exits after reporting the init error");
            Assert.That(lambda.ExitCode, Is.Not.Zero.And.Not.Null, PublishedLambda.Log(lambda));
        }
    }

    [TestCase("postgres", Category = "Postgres")]
    [TestCase("mysql", Category = "MySql")]
    public async Task A_database_that_never_answers_gets_a_400_before_the_3_s_deadline(string type)
    {
        await using var silent = SilentListener.Start();
        var managerPassword = Secrets.Hostile();
        var evt = new JsonObject
        {
            ["type"] = type,
            ["host"] = "127.0.0.1",
            ["port"] = silent.Port,
            ["database"] = "app",
            ["managingUser"] = new JsonObject { ["username"] = "managing_user", ["password"] = managerPassword },
            ["rotateUser"] = new JsonObject { ["username"] = "user1", ["password"] = "old", ["newPassword"] = Secrets.Plain() },
        };
        await using var lambda = await PublishedLambda.StartAsync(timeout: TimeSpan.FromSeconds(3));

        var clock = Stopwatch.StartNew();
        var (result, invocation) = await PublishedLambda.RotateAsync(lambda, evt);
        clock.Stop();

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("did not answer"), result.Describe());
            Assert.That(invocation.Duration, Is.LessThan(TimeSpan.FromMilliseconds(3000)), "hand-out to reply, against a 3 s deadline");
            Assert.That(invocation.ReceivedAt, Is.LessThan(invocation.Deadline!.Value), "the reply arrives before Lambda-Runtime-Deadline-Ms");
            Assert.That(silent.AcceptedConnections, Is.GreaterThan(0), "the rotator did reach the silent listener");
            Assert.That(lambda.HasExited, Is.False, "the runtime lives on for the next event");
        }

        Expect.NoSecrets(result, managerPassword);
        TestContext.Out.WriteLine($"{type}: reply after {invocation.Duration?.TotalMilliseconds:0} ms (invoke to reply {clock.ElapsedMilliseconds} ms)");
    }
}
