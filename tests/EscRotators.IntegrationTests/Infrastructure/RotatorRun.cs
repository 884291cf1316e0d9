using System.Text.Json;
using System.Text.Json.Nodes;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>What one rotation returned: the reply (raw and parsed), the rotator's log, and the exit code of a process run.</summary>
public sealed class RotatorRun
{
    private RotatorRun(string replyJson, JsonObject? reply, string log, int? exitCode)
    {
        ReplyJson = replyJson;
        Reply = reply;
        Log = log;
        ExitCode = exitCode;
    }

    /// <summary>The reply exactly as serialised (stdout for a process, without the trailing newline).</summary>
    public string ReplyJson { get; }

    /// <summary>The parsed reply; null when it was not a JSON object.</summary>
    public JsonObject? Reply { get; }

    /// <summary>Everything the rotator logged (stderr for a process).</summary>
    public string Log { get; }

    /// <summary>The bootstrap process's exit code; null in process.</summary>
    public int? ExitCode { get; }

    /// <summary>The reply's code; -1 when there was no parsable reply.</summary>
    public int Code => Reply?["code"] is JsonValue code && code.TryGetValue<int>(out var value) ? value : -1;

    public string Message => Reply?["message"] is JsonValue message && message.TryGetValue<string>(out var text) ? text : "";

    public JsonObject? State => Reply?["state"] as JsonObject;

    public bool HasState => Reply?.ContainsKey("state") == true;

    public JsonObject? Current => State?["current"] as JsonObject;

    public JsonObject? Previous => State?["previous"] as JsonObject;

    /// <summary>Shown when an assertion fails: the reply and the log, which the rotator promises hold no secrets.</summary>
    public string Describe() => $"reply: {ReplyJson}\nexit code: {ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}\nlog:\n{Log}";

    public static RotatorRun From(string replyJson, string log, int? exitCode)
    {
        ArgumentNullException.ThrowIfNull(replyJson);
        var trimmed = replyJson.TrimEnd('\n', '\r');
        JsonObject? reply;
        try
        {
            reply = JsonNode.Parse(trimmed) as JsonObject;
        }
        catch (JsonException)
        {
            reply = null;
        }

        return new RotatorRun(trimmed, reply, log, exitCode);
    }
}
