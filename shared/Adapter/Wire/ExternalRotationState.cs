using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Wire;

/// <summary>
/// <c>S</c>: the previous 200 response, sent back verbatim. Its <c>username</c>/<c>password</c> are Form B's
/// <c>state.current</c>; <c>previous</c> and <c>rotatedAt</c> are ours and play no part in the next rotation.
/// </summary>
public sealed class ExternalRotationState
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    public override string ToString() => $"ExternalRotationState {{ Username = {Username} }}";
}
