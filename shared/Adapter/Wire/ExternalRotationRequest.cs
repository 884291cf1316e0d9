using System.Text.Json.Serialization;
using EscRotators.Protocol;

namespace EscRotators.Adapter.Wire;

/// <summary><c>R</c>: the rotation type plus Form B's <c>inputs</c> fields at the top level.</summary>
public sealed class ExternalRotationRequest
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("database")]
    public WireDatabase? Database { get; set; }

    [JsonPropertyName("rotateUsers")]
    public WireRotateUsers? RotateUsers { get; set; }

    [JsonPropertyName("passwordPolicy")]
    public WirePasswordPolicy? PasswordPolicy { get; set; }
}
