using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>The optional <c>tls</c> object (Form A top level, Form B <c>inputs.database.tls</c>).</summary>
public sealed class WireTls
{
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("caBundle")]
    public string? CaBundle { get; set; }
}
