using System.Text.Json.Serialization;
using EscRotators.Protocol;

namespace EscRotators.Adapter.Wire;

/// <summary>
/// The 200 body, which ESC stores as the new <c>current</c>:
/// <c>{"username","password","previous":{...}|null,"rotatedAt"}</c>.
/// </summary>
public sealed class ExternalRotationResponse
{
    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("password")]
    public required string Password { get; init; }

    [JsonPropertyName("previous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public WireCredentials? Previous { get; init; }

    /// <summary>UTC, whole seconds, ISO 8601 (<c>2026-11-30T02:00:00Z</c>).</summary>
    [JsonPropertyName("rotatedAt")]
    public required string RotatedAt { get; init; }

    public override string ToString() => $"ExternalRotationResponse {{ Username = {Username} }}";
}
