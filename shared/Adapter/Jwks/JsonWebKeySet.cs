using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Jwks;

/// <summary>A JWKS document: <c>{"keys":[...]}</c>.</summary>
public sealed class JsonWebKeySet
{
    [JsonPropertyName("keys")]
    public List<JsonWebKey>? Keys { get; set; }
}

/// <summary>One key of a JWKS (RFC 7517); only RSA signing keys are used.</summary>
public sealed class JsonWebKey
{
    [JsonPropertyName("kty")]
    public string? KeyType { get; set; }

    [JsonPropertyName("kid")]
    public string? KeyId { get; set; }

    [JsonPropertyName("use")]
    public string? Use { get; set; }

    [JsonPropertyName("alg")]
    public string? Algorithm { get; set; }

    /// <summary>Modulus, base64url.</summary>
    [JsonPropertyName("n")]
    public string? Modulus { get; set; }

    /// <summary>Public exponent, base64url.</summary>
    [JsonPropertyName("e")]
    public string? Exponent { get; set; }
}
