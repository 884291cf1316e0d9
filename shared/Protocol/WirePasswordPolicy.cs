using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>Form B <c>inputs.passwordPolicy</c>.</summary>
public sealed class WirePasswordPolicy
{
    [JsonPropertyName("length")]
    public int? Length { get; set; }

    [JsonPropertyName("symbols")]
    public string? Symbols { get; set; }
}
