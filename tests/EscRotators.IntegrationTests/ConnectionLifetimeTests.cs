using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>"No database connection outlives the invocation": the server holds no session of the rotator's logins afterwards.</summary>
[TestFixture]
public sealed class ConnectionLifetimeTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task No_session_remains_after_a_successful_rotation(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;

        Expect.Ok(await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain())));

        Assert.That(await SessionsAfterCloseAsync(db, manager.Name, user.Name), Is.Zero);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task No_session_remains_after_a_failed_rotation(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserWithoutGrantAsync([user]);

        Expect.BadRequest(await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain())));

        Assert.That(await SessionsAfterCloseAsync(db, manager.Name, user.Name), Is.Zero);
    }

    /// <summary>A closed connection's server session ends a moment later; wait up to 3 s for it to go.</summary>
    private static async Task<int> SessionsAfterCloseAsync(ITestDatabase db, params string[] users)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (true)
        {
            var sessions = await db.CountSessionsAsync(users);
            if (sessions == 0 || DateTime.UtcNow > deadline)
            {
                return sessions;
            }

            await Task.Delay(25);
        }
    }
}
