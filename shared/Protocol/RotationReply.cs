using System.Text.Json.Serialization;

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
}
