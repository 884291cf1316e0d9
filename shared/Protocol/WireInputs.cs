using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>Form B <c>inputs</c>, mirroring ESC's <c>fn::rotate::*</c> inputs.</summary>
public sealed class WireInputs
{
    [JsonPropertyName("database")]
    public WireDatabase? Database { get; set; }

    [JsonPropertyName("rotateUsers")]
    public WireRotateUsers? RotateUsers { get; set; }

    [JsonPropertyName("passwordPolicy")]
    public WirePasswordPolicy? PasswordPolicy { get; set; }
}
