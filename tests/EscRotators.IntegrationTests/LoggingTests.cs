using System.Text.Json;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Logging;

namespace EscRotators.IntegrationTests;

/// <summary>One summary line per rotation, in text or Lambda's JSON format, and no password anywhere: not in our log, not in the server's.</summary>
[TestFixture]
public sealed class LoggingTests
{
    [TestCase(DbEngine.Postgres, LogFormat.Text, Category = "Postgres")]
    [TestCase(DbEngine.Postgres, LogFormat.Json, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, LogFormat.Text, Category = "MySql")]
    [TestCase(DbEngine.MariaDb, LogFormat.Json, Category = "MySql")]
    public async Task A_successful_rotation_logs_one_summary_line_without_passwords(DbEngine engine, LogFormat format)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(Secrets.UniqueName("_log"), Secrets.Hostile());
        var manager = await db.CreateManagingUserAsync([user], password: Secrets.Hostile());
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword), format);

        Expect.Ok(result);
        if (format == LogFormat.Json)
        {
            AssertJsonSummary(result.Log, db, user.Name);
        }
        else
        {
            AssertTextSummary(result.Log, db, user.Name);
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_bootstrap_process_logs_Lambda_JSON_lines_when_asked(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user1 = await db.CreateUserAsync(Secrets.UniqueName("_log"), Secrets.Hostile());
        var user2 = await db.CreateUserAsync(Secrets.UniqueName("_log"), Secrets.Hostile());
        var manager = await db.CreateManagingUserAsync([user1, user2], password: Secrets.Hostile());
        var state = new JsonObject { ["current"] = EventJson.Credentials(user2.Name, user2.Password), ["previous"] = null };

        var result = await BootstrapProcess.RunAsync(
            EventJson.FormB(db, manager, user1.Name, user2.Name, state),
            new Dictionary<string, string> { ["AWS_LAMBDA_LOG_FORMAT"] = "JSON" });

        Expect.Ok(result);
        AssertJsonSummary(result.Log, db, user1.Name);
        Expect.NoSecrets(result, (string)result.Current!["password"]!, user1.Password, user2.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, LogFormat.Text, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, LogFormat.Json, Category = "MySql")]
    public async Task A_failed_rotation_logs_the_failure_without_passwords(DbEngine engine, LogFormat format)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(password: Secrets.Hostile());
        var manager = await db.CreateManagingUserWithoutGrantAsync([user]);
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword), format);

        Expect.BadRequest(result);
        Assert.That(result.Log, Does.Contain("failed"));
        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_servers_statement_log_never_sees_a_password(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var start = StatementLog.Start(db);
        var (user1, user2, manager) = await RotationScenario.TwoUsersAsync(db);

        // Alphanumeric passwords: however the server escapes a statement, they appear verbatim if they appear at all.
        var formA = Secrets.Plain();
        Expect.Ok(await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user1.Name, user1.Password, formA)));
        var formB = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, user1.Name, user2.Name));
        Expect.Ok(formB);
        var generated = (string)formB.Current!["password"]!;

        var written = await StatementLog.ReadSinceAsync(db, start);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(written, Does.Contain(user1.Name), "the rotation's statements are in the log being read");
            Assert.That(written, Does.Not.Contain(formA), "the Form A newPassword is in the server's statement log");
            Assert.That(written, Does.Not.Contain(generated), "the generated Form B password is in the server's statement log");
            Assert.That(written, Does.Not.Contain(manager.Password), "the managing password is in the server's statement log");
            Assert.That(written, Does.Not.Contain(user1.Password), "the old password is in the server's statement log");
        }
    }

    private static void AssertTextSummary(string log, ITestDatabase db, string username)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var summaries = lines.Where(l => l.Contains("outcome=rotated", StringComparison.Ordinal)).ToArray();
        Assert.That(summaries, Has.Length.EqualTo(1), $"one summary line in:\n{log}");
        var line = summaries[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(line, Does.Contain($"engine={db.Type}"));
            Assert.That(line, Does.Contain($"host={db.Host}"));
            Assert.That(line, Does.Contain($"database={db.Database}"));
            Assert.That(line, Does.Contain(username));
            Assert.That(line, Does.Match(@"elapsedMs=\d+"));
        }
    }

    private static void AssertJsonSummary(string log, ITestDatabase db, string username)
    {
        var entries = new List<JsonObject>();
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonObject? entry = null;
            try
            {
                entry = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
            }

            Assert.That(entry, Is.Not.Null, $"every log line is a JSON object: {line}");
            entries.Add(entry!);
        }

        var summaries = entries.Where(e => (string?)e["outcome"] == "rotated").ToArray();
        Assert.That(summaries, Has.Length.EqualTo(1), $"one summary line in:\n{log}");
        var summary = summaries[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)summary["level"], Is.EqualTo("INFO"));
            Assert.That((string?)summary["message"], Is.Not.Empty);
            Assert.That((string?)summary["engine"], Is.EqualTo(db.Type));
            Assert.That((string?)summary["host"], Is.EqualTo(db.Host));
            Assert.That((string?)summary["database"], Is.EqualTo(db.Database));
            Assert.That(
                summary.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out var s) && s == username).Select(p => p.Key),
                Is.Not.Empty,
                "a field holds the rotated user name");
            Assert.That(summary["elapsedMs"]?.GetValueKind(), Is.EqualTo(JsonValueKind.Number));
        }
    }
}
