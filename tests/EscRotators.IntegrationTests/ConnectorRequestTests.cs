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
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(scenario.FormA(newPassword));

        Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
        await scenario.AssertRotatedAsync(newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_through_the_bootstrap_process_prints_the_reply_and_exits_0(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var newPassword = Secrets.Plain();

        var result = await BootstrapProcess.RunAsync(scenario.FormA(newPassword));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.Describe());
            Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
        }

        await scenario.AssertRotatedAsync(newPassword);
        Expect.NoSecrets(result, newPassword, scenario.User1.Password, scenario.Manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_A_field_names_match_in_any_case_and_unknown_fields_are_ignored(DbEngine engine)
    {
        await using var scenario = await RotationScenario.OneUserAsync(engine);
        var db = scenario.Db;
        var (user, manager) = scenario;
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
        await using var scenario = await RotationScenario.OneUserAsync(engine);
        var newPassword = Secrets.Plain();
        var evt = scenario.FormA(newPassword);

        Expect.Ok(await InProcessRotator.RunAsync(evt));
        Expect.Ok(await InProcessRotator.RunAsync(evt));

        await scenario.AssertRotatedAsync(newPassword);
    }
}
