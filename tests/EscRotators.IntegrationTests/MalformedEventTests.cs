using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// Bad input never crashes the rotator: every event, however broken, gets a 400 reply (bootstrap: on stdout, exit
/// code 1), never a function error or an unhandled-exception trace. No database is contacted.
/// </summary>
[TestFixture]
[Category("Protocol")]
public sealed class MalformedEventTests
{
    private const string Exact = "exact:";

    private static readonly string ManagerPassword = "mgr-" + Secrets.Hostile();

    private static readonly string NewPassword = "new-" + Secrets.Hostile();

    // Bootstrap runs cost a process start each, so the process path takes the cases the protocol singles out.
    private static readonly HashSet<string> ViaBootstrap =
    [
        "malformed JSON", "empty payload", "empty object", "unknown type", "port as abc", "managingUser as a string",
        "inputs as an array", "newPassword missing", "invalid UTF-8 in a string", "host with a port", "host list of blanks",
    ];

    private static readonly (string Label, Func<byte[]> Payload, string Expected)[] Cases =
    [
        ("malformed JSON", () => Utf8("""{"type":"postgres","host":"""), "malformed request"),
        ("not JSON", () => Utf8("rotate please"), "malformed request"),
        ("empty payload", () => [], "malformed request"),
        ("JSON null", () => Utf8("null"), "JSON object"),
        ("JSON array", () => Utf8("[1,2]"), "malformed request"),
        ("empty object", () => Utf8("{}"), "type"),
        ("unknown type", () => Event(e => e["type"] = "oracle"), Exact + "unknown event type oracle"),
        ("type as a number", () => Event(e => e["type"] = 5), "malformed request"),
        ("port as abc", () => Event(e => e["port"] = "abc"), "port"),
        ("port out of range", () => Event(e => e["port"] = 70000), "port must be between 1 and 65535"),
        ("port too big for an int", () => Event(e => e["port"] = 1e20), "port"),
        ("managingUser as a string", () => Event(e => e["managingUser"] = "admin"), "managingUser"),
        ("rotateUser as an array", () => Event(e => e["rotateUser"] = new JsonArray("a")), "rotateUser"),
        ("newPassword missing", () => Event(e => ((JsonObject)e["rotateUser"]!).Remove("newPassword")), Exact + "no password provided"),
        ("newPassword null", () => Event(e => e["rotateUser"]!["newPassword"] = null), Exact + "no password provided"),
        ("newPassword empty", () => Event(e => e["rotateUser"]!["newPassword"] = ""), Exact + "no password provided"),
        ("newPassword as a number", () => Event(e => e["rotateUser"]!["newPassword"] = 12345), "newPassword"),
        ("host missing", () => Event(e => e.Remove("host")), "host"),
        ("host with a port", () => Event(e => e["host"] = "127.0.0.1:56432"), Exact + "host must not include a port; put the port in the port field"),
        ("host with an empty port", () => Event(e => e["host"] = "localhost:"), Exact + "host must not include a port; put the port in the port field"),
        ("host with a bad port", () => Event(e => e["host"] = "db.example.com:abc"), Exact + "host must not include a port; put the port in the port field"),
        ("host list", () => Event(e => e["host"] = "127.0.0.1,127.0.0.2"), Exact + "host must name one host, not a list"),
        ("host list of blanks", () => Event(e => e["host"] = "  ,  "), Exact + "host must name one host, not a list"),
        ("Form B host list", () => FullEvent(e => e["inputs"]!["database"]!["host"] = "a,b"), Exact + "inputs.database.host must name one host, not a list"),
        ("NUL in the user name", () => Event(e => e["rotateUser"]!["username"] = "us\0er"), "rotateUser.username"),
        ("tls mode unknown", () => Event(e => e["tls"] = EventJson.Tls("paranoid")), "tls.mode"),
        ("tls caBundle not PEM", () => Event(e => e["tls"] = EventJson.Tls("verify-ca", "not a certificate")), "caBundle"),
        ("inputs as an array", () => FullEvent(e => e["inputs"] = new JsonArray(1)), "inputs"),
        ("inputs null", () => FullEvent(e => e["inputs"] = null), "inputs"),
        ("username1 equals username2", () => FullEvent(e => e["inputs"]!["rotateUsers"]!["username2"] = "user1"), "username1"),
        ("username2 empty", () => FullEvent(e => e["inputs"]!["rotateUsers"]!["username2"] = ""), "username2"),
        ("Form B port 0", () => FullEvent(e => e["inputs"]!["database"]!["port"] = 0), "inputs.database.port"),
        ("Form B database missing", () => FullEvent(e => ((JsonObject)e["inputs"]!["database"]!).Remove("database")), "inputs.database.database"),
        ("password policy too short", () => FullEvent(e => e["inputs"]!["passwordPolicy"] = new JsonObject { ["length"] = 8 }), "passwordPolicy.length"),
        ("password policy with letters as symbols", () => FullEvent(e => e["inputs"]!["passwordPolicy"] = new JsonObject { ["symbols"] = "ab" }), "passwordPolicy.symbols"),
        ("state as a string", () => FullEvent(e => e["state"] = "current"), "state"),
        ("invalid UTF-8 in a string", () => [.. Utf8("""{"type":"mysql","host":"db"""), 0xFF, 0xFE, .. Utf8("\"}")], "malformed request"),
        ("lone surrogate escape", () => Utf8("""{"type":"mysql","host":"\ud800","port":3306}"""), "malformed request"),
        ("nested too deep", () => Utf8("""{"type":"mysql","extra":""" + new string('[', 200) + new string(']', 200) + "}"), "malformed request"),
        ("duplicate keys, the last wins as in Go", () => Utf8("""{"type":"oracle","type":"postgres","host":"h"}"""), Exact + "no password provided"),
    ];

    public static IEnumerable<TestCaseData> BadEvents() =>
        from path in new[] { RotatorPath.InProcess, RotatorPath.Bootstrap }
        from badEvent in Cases
        where path == RotatorPath.InProcess || ViaBootstrap.Contains(badEvent.Label)
        select new TestCaseData(path, badEvent.Payload(), badEvent.Expected).SetArgDisplayNames(path.ToString(), badEvent.Label);

    [TestCaseSource(nameof(BadEvents))]
    public async Task A_bad_event_gets_a_400_reply_that_names_the_problem(RotatorPath path, byte[] payload, string expected)
    {
        var result = await Rotator.RunAsync(payload, path);

        Expect.BadRequest(result);
        if (expected.StartsWith(Exact, StringComparison.Ordinal))
        {
            Assert.That(result.Message, Is.EqualTo(expected[Exact.Length..]), result.Describe());
        }
        else
        {
            Assert.That(result.Message, Does.Contain(expected), result.Describe());
        }

        Expect.NoSecrets(result, ManagerPassword, NewPassword);
        if (path == RotatorPath.Bootstrap)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.Log, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "), "no crash on stderr");
                Assert.That(result.ReplyJson, Does.Not.Contain('\n'), "one reply line on stdout");
            }
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A valid Form A event (nothing listens at its address) with one change.</summary>
    private static byte[] Event(Action<JsonObject> change)
    {
        var evt = new JsonObject
        {
            ["type"] = "mysql",
            ["host"] = "127.0.0.1",
            ["port"] = 9,
            ["database"] = "app",
            ["managingUser"] = new JsonObject { ["username"] = "manager", ["password"] = ManagerPassword },
            ["rotateUser"] = new JsonObject { ["username"] = "user1", ["password"] = "old", ["newPassword"] = NewPassword },
        };
        change(evt);
        return EventJson.ToUtf8(evt);
    }

    /// <summary>A valid Form B event (nothing listens at its address) with one change.</summary>
    private static byte[] FullEvent(Action<JsonObject> change)
    {
        var evt = new JsonObject
        {
            ["type"] = "postgres",
            ["inputs"] = new JsonObject
            {
                ["database"] = new JsonObject
                {
                    ["host"] = "127.0.0.1",
                    ["port"] = 9,
                    ["database"] = "app",
                    ["managingUser"] = new JsonObject { ["username"] = "manager", ["password"] = ManagerPassword },
                },
                ["rotateUsers"] = new JsonObject { ["username1"] = "user1", ["username2"] = "user2" },
            },
        };
        change(evt);
        return EventJson.ToUtf8(evt);
    }
}
