using System.Text.Json;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary><c>bootstrap invoke</c>'s own arguments and messages; no database is contacted.</summary>
[TestFixture]
[Category("Protocol")]
public sealed class InvokeCommandLineTests
{
    private static JsonObject UnreachableEvent() => new()
    {
        ["type"] = "mysql",
        ["host"] = "127.0.0.1",
        ["port"] = 9,
        ["managingUser"] = new JsonObject { ["username"] = "manager", ["password"] = "managing-secret" },
        ["rotateUser"] = new JsonObject { ["username"] = "user1", ["newPassword"] = "new-secret" },
    };

    [TestCase("NaN")]
    [TestCase("Infinity")]
    [TestCase("-Infinity")]
    [TestCase("-3")]
    [TestCase("0")]
    [TestCase("901")]
    [TestCase("abc")]
    public async Task A_timeout_that_is_not_a_usable_number_is_a_usage_error(string timeout)
    {
        var result = await BootstrapProcess.RunAsync(UnreachableEvent(), null, "--timeout", timeout);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Describe());
        Assert.That(result.Log, Does.Contain("--timeout takes a number of seconds"));
        Assert.That(result.ReplyJson, Is.Empty, "no reply: nothing ran");
    }

    [Test]
    public async Task In_json_log_mode_an_invoke_failure_is_a_json_log_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"esc-missing-{Guid.NewGuid():N}.json");

        var result = await BootstrapProcess.RunAsync(
            UnreachableEvent(),
            new Dictionary<string, string> { ["AWS_LAMBDA_LOG_FORMAT"] = "JSON" },
            "--event",
            missing);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Describe());
        var lines = result.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.That(json.RootElement.GetProperty("message").GetString(), Does.StartWith("bootstrap invoke: cannot read the event"));
            Assert.That(json.RootElement.GetProperty("level").GetString(), Is.EqualTo("FATAL"));
        }
    }

    [Test]
    public async Task An_event_past_its_deadline_never_says_one_millisecond_remains()
    {
        // The smallest timeout invoke accepts leaves less than a second of work time: refused before connecting.
        var result = await BootstrapProcess.RunAsync(UnreachableEvent(), null, "--timeout", "0.5");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.Describe());
        Assert.That(result.Message, Does.Not.Contain("only 1 ms"));
        Assert.That(result.Message, Does.Contain("too little to open a database connection"));
    }
}
