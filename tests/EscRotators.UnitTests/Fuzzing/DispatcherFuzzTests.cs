using System.Text.Json;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Logging;
using EscRotators.UnitTests.Rotation;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Fuzzing;

/// <summary>
/// Feeds over 10 000 generated and mutated events through the dispatcher the Lambda uses. The engines are fakes, so
/// no generated host is ever contacted; what is under test is everything between the payload and the engine.
/// </summary>
public sealed class DispatcherFuzzTests
{
    private const string Secret = "S3cretMarker";

    private static readonly string[] SeedTemplates =
    [
        """{"type":"mysql","host":"127.0.0.1","port":3306,"database":"app","managingUser":{"username":"m","password":"@S@-managing"},"rotateUser":{"username":"user1","password":"@S@-old","newPassword":"@S@-new"}}""",
        """{"type":"postgres","inputs":{"database":{"host":"127.0.0.1","port":5432,"database":"app","managingUser":{"username":"m","password":"@S@-managing"},"tls":{"mode":"verify-full","caBundle":"x"}},"rotateUsers":{"username1":"user1","username2":"user2"},"passwordPolicy":{"length":20,"symbols":"!#"}},"state":{"current":{"username":"user1","password":"@S@-current"},"previous":{"username":"user2","password":"@S@-previous"}}}""",
        """{"type":"mysql","inputs":{"database":{"host":"127.0.0.1","port":3306,"database":"app","managingUser":{"username":"m","password":"@S@-managing"}},"rotateUsers":{"username1":"user1","username2":"user2"}},"state":null}""",
    ];

    private static readonly string[] Seeds = [.. SeedTemplates.Select(t => t.Replace("@S@", Secret, StringComparison.Ordinal))];

    private RotationDispatcher _dispatcher = null!;
    private StringWriter _log = null!;

    [SetUp]
    public void SetUp()
    {
        _log = new StringWriter();
        _dispatcher = new RotationDispatcher(
            [new FakeEngine("mysql").Registration, new FakeEngine("postgres").Registration],
            new RotatorOptions(),
            new RotatorLogger(new LogSink(_log, LogFormat.Json, LogLevel.Debug)));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public async Task Mutated_events_always_get_a_json_reply_that_echoes_no_password(int seed)
    {
        var mutator = new EventMutator(seed);
        for (var i = 0; i < 2600; i++)
        {
            var payload = mutator.Mutate(Seeds[i % Seeds.Length]);
            await AssertSafeReplyAsync(payload, $"seed {seed}, case {i}");
        }

        Assert.That(_log.ToString(), Does.Not.Contain(Secret));
    }

    [Test]
    public async Task Payloads_at_the_six_megabyte_limit_get_a_safe_reply()
    {
        var mutator = new EventMutator(42);
        foreach (var seed in Seeds)
        {
            var payload = mutator.Oversized(seed);
            Assert.That(payload.Length, Is.GreaterThan(6_000_000));
            await AssertSafeReplyAsync(payload, "oversized");
        }
    }

    [Test]
    public async Task Junk_that_is_not_json_at_all_is_a_400()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var payload = new byte[random.Next(0, 64)];
            random.NextBytes(payload);
            var reply = await AssertSafeReplyAsync(payload, $"junk {i}");
            Assert.That(reply.Code, Is.EqualTo(400));
        }
    }

    // A fixed clock: the fakes answer at once, so only the budget's arithmetic reads it.
    private static InvocationBudget Budget() =>
        new(DateTimeOffset.UnixEpoch.AddSeconds(3), new FakeTimeProvider(DateTimeOffset.UnixEpoch));

    private async Task<EscRotators.Protocol.RotationReply> AssertSafeReplyAsync(byte[] payload, string label)
    {
        var bytes = await _dispatcher.RotateToJsonAsync(payload, "fuzz", Budget(), CancellationToken.None);
        var reply = await _dispatcher.RotateAsync(payload, "fuzz", Budget(), CancellationToken.None);

        using var json = JsonDocument.Parse(bytes);
        var code = json.RootElement.GetProperty("code").GetInt32();
        var message = json.RootElement.GetProperty("message").GetString();
        Assert.That(code, Is.EqualTo(200).Or.EqualTo(400), label);
        Assert.That(message, Is.Not.Null.And.Not.Empty, label);
        if (code == 400)
        {
            Assert.That(message, Does.Not.Contain(Secret), label);
            Assert.That(json.RootElement.TryGetProperty("state", out _), Is.False, label);
        }

        return reply;
    }
}
