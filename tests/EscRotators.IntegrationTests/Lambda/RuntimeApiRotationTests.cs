using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>
/// Form A and Form B through the published bootstrap speaking the Runtime API, as Lambda runs it; then the
/// returned or applied credentials log in to the real server.
/// </summary>
[TestFixture]
[Category("Lambda")]
public sealed class RuntimeApiRotationTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_through_the_Runtime_API_applies_the_new_password(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var newPassword = Secrets.Hostile();
        await using var lambda = await PublishedLambda.StartAsync();

        var (result, _) = await PublishedLambda.RotateAsync(lambda, EventJson.FormA(db, manager, user1.Name, user1.Password, newPassword));

        Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(user1.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.False, "the old password no longer works");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "the other user keeps its password");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
        }

        Expect.NoSecrets(result, newPassword, user1.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_B_through_the_Runtime_API_alternates_users_in_one_warm_process(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        await using var lambda = await PublishedLambda.StartAsync();

        // Cold: no state yet, so username1 is rotated.
        var (first, _) = await PublishedLambda.RotateAsync(lambda, EventJson.FormB(db, manager, user1.Name, user2.Name));
        Expect.Ok(first);
        var firstPassword = (string)first.Current!["password"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)first.Current["username"], Is.EqualTo(user1.Name), first.Describe());
            Assert.That(first.State!.ContainsKey("previous") && first.Previous is null, Is.True, "previous is null: " + first.Describe());
            Assert.That(await db.CanLogInAsync(user1.Name, firstPassword), Is.True, "state.current logs in");
        }

        // Warm, same process: the state from the first reply makes username2 the one to rotate.
        var (second, _) = await PublishedLambda.RotateAsync(lambda, EventJson.FormB(db, manager, user1.Name, user2.Name, first.State!.DeepClone()));
        Expect.Ok(second);
        var secondPassword = (string)second.Current!["password"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)second.Current["username"], Is.EqualTo(user2.Name), second.Describe());
            Assert.That((string?)second.Previous?["username"], Is.EqualTo(user1.Name), second.Describe());
            Assert.That((string?)second.Previous?["password"], Is.EqualTo(firstPassword), "previous is the old current");
            Assert.That(await db.CanLogInAsync(user2.Name, secondPassword), Is.True, "the new current logs in");
            Assert.That(await db.CanLogInAsync(user1.Name, firstPassword), Is.True, "the previous still logs in");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.False, "user2's initial password is gone");
            Assert.That(lambda.HasExited, Is.False, "the runtime keeps running between invocations");
        }

        Expect.NoSecrets(second, manager.Password, user1.Password, user2.Password, firstPassword, secondPassword);
    }
}
