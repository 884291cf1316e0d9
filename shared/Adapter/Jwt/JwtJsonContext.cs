using System.Text.Json.Serialization;
using EscRotators.Adapter.Jwks;

namespace EscRotators.Adapter.Jwt;

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
