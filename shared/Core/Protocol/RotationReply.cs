using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using System.Text.Json;
using EscRotators.Rotation;

namespace EscRotators.Protocol;

/// <summary>Every reply: <c>{"code":200|400,"message":"...","state":{...}}</c>; state only on Form B success.</summary>
public sealed class RotationReply
{
    public const string OkMessage = "ok";

    [JsonPropertyName("code")]
    public int Code { get; init; }

    [JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [JsonPropertyName("state")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WireState? State { get; init; }

    [JsonIgnore]
    public bool IsSuccess => Code == 200;

    public static RotationReply Ok(WireState? state = null) => new() { Code = 200, Message = OkMessage, State = state };

    public static RotationReply BadRequest(string message) => new() { Code = 400, Message = message };

    /// <summary>The Form A/B reply for a result: 200 with the new state after a full rotation, 200 alone for Form A, else 400.</summary>
    public static RotationReply From(RotationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Error is { } error)
        {
            return BadRequest(error);
        }

        return Ok(result.State is { } state
            ? new WireState
            {
                Current = new WireCredentials { Username = state.Current.Username, Password = state.Current.Password },
                Previous = state.Previous is { } previous
                    ? new WireCredentials { Username = previous.Username, Password = previous.Password }
                    : null,
            }
            : null);
    }
}

/// <summary>
/// Writes replies as UTF-8 JSON. Relaxed escaping keeps quotes and non-ASCII readable in messages (the reply is
/// never embedded in HTML); control characters are still escaped.
/// </summary>
public static class ReplySerializer
{
    private static readonly ProtocolJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] Serialize(RotationReply reply) =>
        JsonSerializer.SerializeToUtf8Bytes(reply, Context.RotationReply);
}
