using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Jwt;

/// <summary>The JOSE header of a token: only what the checks read.</summary>
public sealed class JwtHeader
{
    [JsonPropertyName("alg")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("kid")]
    public string? KeyId { get; set; }
}
