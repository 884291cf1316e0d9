using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>A thousand bad events in one execution environment: each is a 400, none kills the runtime, and the next good event rotates.</summary>
[TestFixture]
[Category("Lambda")]
public sealed class RuntimeApiBadEventStormTests
{
    private const string Secret = "Storm-S3cret-Value";

    private static IEnumerable<byte[]> BadEvents(string type)
    {
        var random = new Random(20261123);
        string[] templates =
        [
            """{"type":"@TYPE@","host":"127.0.0.1","port":""",
            """{"type":"@TYPE@","port":"abc","managingUser":{"password":"@SECRET@"}}""",
            """{"type":"@TYPE@","managingUser":"@SECRET@","rotateUser":{"newPassword":null}}""",
            """{"type":"@TYPE@","inputs":[1,2,3],"state":{"current":{"password":"@SECRET@"}}}""",
            """{"type":"@TYPE@","inputs":{"database":null,"rotateUsers":{"username1":"a","username2":"a"}}}""",
            """{"type":"oracle","managingUser":{"password":"@SECRET@"}}""",
            "null",
            "[]",
            "",
            """{"type":"@TYPE@","x":@DEEP@}""",
            """{"type":"@TYPE@","host":"@HUGE@","rotateUser":{"newPassword":"@SECRET@"}}""",
        ];
        var shapes = templates.Select(t => t
            .Replace("@TYPE@", type, StringComparison.Ordinal)
            .Replace("@SECRET@", Secret, StringComparison.Ordinal)
            .Replace("@DEEP@", new string('[', 2000), StringComparison.Ordinal)
            .Replace("@HUGE@", new string('h', 1_000_000), StringComparison.Ordinal)).ToArray();
        for (var i = 0; i < 1000; i++)
        {
            if (i % 12 == 11)
            {
                var junk = new byte[random.Next(1, 256)];
                random.NextBytes(junk);
                yield return junk;
            }
            else if (i % 12 == 10)
            {
                yield return [.. Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"host\":\""), 0xC3, 0x28, .. "\"}"u8];
            }
            else
            {
                yield return Encoding.UTF8.GetBytes(shapes[i % shapes.Length]);
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_thousand_bad_events_then_a_good_one_in_one_process(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var newPassword = Secrets.Plain();
        await using var lambda = await PublishedLambda.StartAsync();

        var count = 0;
        foreach (var payload in BadEvents(db.Type))
        {
            var (bad, invocation) = await PublishedLambda.RotateAsync(lambda, payload);
            Assert.That(bad.Code, Is.EqualTo(400), $"event {count}: " + bad.Describe());
            Assert.That(invocation.ErrorType, Is.Null, $"event {count} must be a normal reply, not a function error");
            Assert.That(bad.ReplyJson, Does.Not.Contain(Secret), $"event {count} echoed a password");
            count++;
        }

        var (good, _) = await PublishedLambda.RotateAsync(lambda, EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(count, Is.EqualTo(1000));
            Assert.That(good.Code, Is.EqualTo(200), good.Describe());
            Assert.That(lambda.HasExited, Is.False);
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
            Assert.That(PublishedLambda.Log(lambda), Does.Not.Contain(Secret).And.Not.Contain(newPassword).And.Not.Contain(manager.Password));
        }
    }
}
