using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Wire;

/// <summary>Every non-200 body: <c>{"error":"..."}</c>.</summary>
public sealed class AdapterError
{
    [JsonPropertyName("error")]
    public required string Error { get; init; }
}
