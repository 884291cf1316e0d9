using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>Form B <c>state</c>: what ESC stored after the last rotation, and what we return.</summary>
public sealed class WireState
{
    [JsonPropertyName("current")]
    public WireCredentials? Current { get; set; }

    // Written even when null: the contract's reply shape is {"current":{...},"previous":null}.
    [JsonPropertyName("previous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public WireCredentials? Previous { get; set; }
}
