using System.Text.Json;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.LocalRuntime;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>With AWS_LAMBDA_LOG_FORMAT=JSON every line the runtime writes is one of Lambda's JSON log objects.</summary>
[TestFixture]
[Category("Lambda")]
public sealed class RuntimeApiLogFormatTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Every_output_line_is_a_JSON_object_with_timestamp_level_requestId_and_message(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var newPassword = Secrets.Hostile();
        await using var lambda = await PublishedLambda.StartAsync(new Dictionary<string, string> { ["AWS_LAMBDA_LOG_FORMAT"] = "JSON" });

        // A rejected event (WARN), a successful rotation (INFO) and a failed one (a refused port).
        var (_, rejected) = await PublishedLambda.RotateAsync(lambda, """{"type":"oracle"}"""u8.ToArray());
        var (ok, rotated) = await PublishedLambda.RotateAsync(lambda, EventJson.FormA(db, manager, user.Name, user.Password, newPassword));
        var unusedPassword = Secrets.Hostile();
        var refusedEvent = EventJson.FormA(db, manager, user.Name, newPassword, unusedPassword);
        refusedEvent["port"] = UnusedPort.Find();
        var (_, refused) = await PublishedLambda.RotateAsync(lambda, refusedEvent);
        Expect.Ok(ok);
        await lambda.StopAsync();

        string[] requestIds = [rejected.RequestId, rotated.RequestId, refused.RequestId];
        var lines = lambda.LogLines;
        Assert.That(lines, Has.Count.GreaterThanOrEqualTo(3), "at least one line per invocation:\n" + PublishedLambda.Log(lambda));
        var seen = new HashSet<string>();
        foreach (var line in lines)
        {
            using var json = ParseObject(line);
            var root = json.RootElement;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(StringProperty(root, "timestamp"), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"), line.Text);
                Assert.That(StringProperty(root, "level"), Is.AnyOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"), line.Text);
                Assert.That(StringProperty(root, "requestId"), Is.AnyOf(requestIds), line.Text);
                Assert.That(StringProperty(root, "message"), Is.Not.Empty, line.Text);
            }

            seen.Add(StringProperty(root, "requestId")!);
        }

        Assert.That(seen, Is.EquivalentTo(requestIds), "every invocation logged, under its own request id");
        Expect.NoSecrets(RotatorRun.From("{}", PublishedLambda.Log(lambda), exitCode: null), manager.Password, user.Password, newPassword, unusedPassword);
    }

    private static JsonDocument ParseObject(BootstrapLogLine line)
    {
        try
        {
            var document = JsonDocument.Parse(line.Text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                Assert.Fail($"{line.Stream} line is JSON but not an object: {line.Text}");
            }

            return document;
        }
        catch (JsonException)
        {
            Assert.Fail($"{line.Stream} line is not JSON: {line.Text}");
            throw;
        }
    }

    private static string? StringProperty(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
