using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>Form A: ESC has chosen the user and the password; the rotator applies it.</summary>
[TestFixture]
public sealed class ConnectorRequestTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_sets_the_new_password_and_leaves_the_other_user_alone(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user1 = await db.CreateUserAsync();
        var user2 = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user1, user2]);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user1.Name, user1.Password, newPassword));

        Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(user1.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.False, "the rotated user's old password no longer works");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "the other user keeps its password");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_through_the_bootstrap_process_prints_the_reply_and_exits_0(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user1 = await db.CreateUserAsync();
        var user2 = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user1, user2]);
        var newPassword = Secrets.Plain();

        var result = await BootstrapProcess.RunAsync(EventJson.FormA(db, manager, user1.Name, user1.Password, newPassword));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.Describe());
            Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
            Assert.That(await db.CanLogInAsync(user1.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.False, "the rotated user's old password no longer works");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "the other user keeps its password");
        }

        Expect.NoSecrets(result, newPassword, user1.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_field_names_match_in_any_case_and_unknown_fields_are_ignored(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user]);
        var newPassword = Secrets.Plain();
        var evt = new JsonObject
        {
            ["TYPE"] = db.Type,
            ["Host"] = db.Host,
            ["PORT"] = db.Port,
            ["Database"] = db.Database,
            ["managinguser"] = new JsonObject { ["UserName"] = manager.Name, ["PASSWORD"] = manager.Password },
            ["RotateUser"] = new JsonObject { ["username"] = user.Name, ["Password"] = user.Password, ["NEWPASSWORD"] = newPassword, ["extra"] = 1 },
            ["connectorVersion"] = "v9",
            ["somethingNew"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) },
        };

        var result = await InProcessRotator.RunAsync(evt);

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Retrying_the_same_Form_A_request_succeeds_again(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user]);
        var newPassword = Secrets.Plain();
        var evt = EventJson.FormA(db, manager, user.Name, user.Password, newPassword);

        Expect.Ok(await InProcessRotator.RunAsync(evt));
        Expect.Ok(await InProcessRotator.RunAsync(evt));

        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }
}
