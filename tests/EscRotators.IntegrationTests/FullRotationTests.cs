using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>Form B: the rotator alternates between two users and generates the password.</summary>
[TestFixture]
public sealed class FullRotationTests
{
    private const string DefaultAlphabet = "^[A-Za-z0-9]{32}$";

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Without_a_current_user_username1_is_rotated_and_previous_is_null(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var db = scenario.Db;
        var (user1, user2, _) = scenario;

        var noState = new (string Label, Action<JsonObject> Apply)[]
        {
            ("state absent", evt => evt.Remove("state")),
            ("state null", evt => evt["state"] = null),
            ("state {}", evt => evt["state"] = new JsonObject()),
            ("current and previous null", evt => evt["state"] = new JsonObject { ["current"] = null, ["previous"] = null }),
        };
        foreach (var (label, apply) in noState)
        {
            var evt = scenario.FormB();
            apply(evt);

            var result = await InProcessRotator.RunAsync(evt);

            Expect.Ok(result);
            using (Assert.EnterMultipleScope())
            {
                Assert.That((string?)result.Current?["username"], Is.EqualTo(user1.Name), label);
                Assert.That(result.State!.ContainsKey("previous"), Is.True, $"{label}: previous is present");
                Assert.That(result.State["previous"], Is.Null, $"{label}: previous is null");
                Assert.That(await db.CanLogInAsync(user1.Name, (string)result.Current!["password"]!), Is.True, $"{label}: current logs in");
                Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, $"{label}: username2 is untouched");
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Three_rotations_alternate_user1_user2_user1_and_both_logins_keep_working(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var db = scenario.Db;
        var (user1, user2, manager) = scenario;

        JsonNode? state = null;
        string[] expected = [user1.Name, user2.Name, user1.Name];
        for (var i = 0; i < expected.Length; i++)
        {
            var result = await InProcessRotator.RunAsync(scenario.FormB(state?.DeepClone()));

            Expect.Ok(result);
            var current = result.Current!;
            var password = (string)current["password"]!;
            using (Assert.EnterMultipleScope())
            {
                Assert.That((string?)current["username"], Is.EqualTo(expected[i]), $"rotation {i + 1} rotates {expected[i]}");
                Assert.That(password, Does.Match(DefaultAlphabet));
                Assert.That(await db.CanLogInAsync((string)current["username"]!, password), Is.True, $"rotation {i + 1}: current logs in");
                if (i == 0)
                {
                    Assert.That(result.Previous, Is.Null);
                    Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "user2 is untouched by the first rotation");
                }
                else
                {
                    Assert.That(JsonNode.DeepEquals(result.Previous, state!["current"]), Is.True, $"rotation {i + 1}: previous is the old current");
                    Assert.That(
                        await db.CanLogInAsync((string)result.Previous!["username"]!, (string)result.Previous["password"]!),
                        Is.True,
                        $"rotation {i + 1}: previous still logs in");
                }
            }

            Expect.NoSecrets(result, password, manager.Password);
            state = result.State;
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task An_unknown_current_user_rotates_username1_and_returns_it_as_previous(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var db = scenario.Db;
        var (user1, user2, _) = scenario;
        var oldCurrent = EventJson.Credentials("someone-else", Secrets.Plain());
        var state = new JsonObject { ["current"] = oldCurrent, ["previous"] = EventJson.Credentials(user2.Name, user2.Password) };

        var result = await InProcessRotator.RunAsync(scenario.FormB(state));

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)result.Current?["username"], Is.EqualTo(user1.Name));
            Assert.That(JsonNode.DeepEquals(result.Previous, oldCurrent), Is.True, $"previous is the old current: {result.ReplyJson}");
            Assert.That(await db.CanLogInAsync(user1.Name, (string)result.Current!["password"]!), Is.True);
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "username2 is untouched");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_password_policy_sets_length_and_symbols(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var db = scenario.Db;
        var (user1, _, _) = scenario;
        var policy = new JsonObject { ["length"] = 64, ["symbols"] = "!#%" };

        var result = await InProcessRotator.RunAsync(scenario.FormB(passwordPolicy: policy));

        Expect.Ok(result);
        var password = (string)result.Current!["password"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(password, Does.Match("^[A-Za-z0-9!#%]{64}$"));
            Assert.That(await db.CanLogInAsync(user1.Name, password), Is.True);
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_B_through_the_bootstrap_process_prints_the_new_state(DbEngine engine)
    {
        await using var scenario = await RotationScenario.TwoUsersAsync(engine);
        var db = scenario.Db;
        var (user1, user2, manager) = scenario;
        var state = new JsonObject { ["current"] = EventJson.Credentials(user1.Name, user1.Password), ["previous"] = null };

        var result = await BootstrapProcess.RunAsync(scenario.FormB(state));

        Expect.Ok(result);
        var password = (string)result.Current!["password"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero);
            Assert.That((string?)result.Current["username"], Is.EqualTo(user2.Name));
            Assert.That(JsonNode.DeepEquals(result.Previous, state["current"]), Is.True, result.ReplyJson);
            Assert.That(await db.CanLogInAsync(user2.Name, password), Is.True, "current logs in");
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.True, "previous logs in");
        }

        Expect.NoSecrets(result, password, user1.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_failed_Form_B_rotation_returns_no_state_and_leaves_the_current_user_working(DbEngine engine)
    {
        await using var scenario = await RotationScenario.OneUserAsync(engine);
        var db = scenario.Db;
        var (current, manager) = scenario;
        var missing = Secrets.UniqueName("_missing");
        var state = new JsonObject { ["current"] = EventJson.Credentials(current.Name, current.Password), ["previous"] = null };

        var result = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, missing, current.Name, state));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain(missing).And.Contain("does not exist"));
            Assert.That(await db.CanLogInAsync(current.Name, current.Password), Is.True, "the current user still logs in");
        }

        await scenario.AssertUnchangedAsync();

        Expect.NoSecrets(result, current.Password, manager.Password);
    }
}
