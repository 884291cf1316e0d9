using System.Text.Json.Serialization;
using System.Text.Json;
using EscRotators.Adapter.Jwks;

namespace EscRotators.Adapter.Jwt;

/// <summary>The JOSE header of a token: only what the checks read.</summary>
public sealed class JwtHeader
{
    [JsonPropertyName("alg")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("kid")]
    public string? KeyId { get; set; }
}

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

/// <summary>
/// Source-generated JSON for tokens and key sets. Claim and JWK member names are case-sensitive (RFC 7519, 7517),
/// so unlike the rotation payload nothing here matches case-insensitively.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    MaxDepth = 16)]
[JsonSerializable(typeof(JwtHeader))]
[JsonSerializable(typeof(JwtClaims))]
[JsonSerializable(typeof(JsonWebKeySet))]
public sealed partial class JwtJsonContext : JsonSerializerContext;
