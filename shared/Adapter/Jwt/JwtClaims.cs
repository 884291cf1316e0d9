using System.Text.Json;
using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Jwt;

/// <summary>The claims Form C checks. Times are NumericDate (seconds since the epoch, possibly fractional).</summary>
public sealed class JwtClaims
{
    [JsonPropertyName("iss")]
    public string? Issuer { get; set; }

    [JsonPropertyName("sub")]
    public string? Subject { get; set; }

    /// <summary>A string or an array of strings, so kept as JSON.</summary>
    [JsonPropertyName("aud")]
    public JsonElement Audience { get; set; }

    [JsonPropertyName("exp")]
    public double? ExpiresAt { get; set; }

    [JsonPropertyName("nbf")]
    public double? NotBefore { get; set; }

    [JsonPropertyName("iat")]
    public double? IssuedAt { get; set; }

    [JsonPropertyName("jti")]
    public string? TokenId { get; set; }

    [JsonPropertyName("body_hash")]
    public string? BodyHash { get; set; }
}
