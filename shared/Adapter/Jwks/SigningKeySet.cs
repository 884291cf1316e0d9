using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using EscRotators.Adapter.Jwt;

namespace EscRotators.Adapter.Jwks;

/// <summary>The RSA signing keys of a JWKS by <c>kid</c>; keys for other algorithms or uses are left out.</summary>
public sealed class SigningKeySet
{
    private readonly Dictionary<string, RSAParameters> _keys;

    private SigningKeySet(Dictionary<string, RSAParameters> keys)
    {
        _keys = keys;
    }

    public int Count => _keys.Count;

    public bool TryGet(string keyId, out RSAParameters key) => _keys.TryGetValue(keyId, out key);

    /// <summary>Parses a JWKS document; throws <see cref="SigningKeysUnavailableException"/> when it holds no RSA signing key.</summary>
    public static SigningKeySet Parse(ReadOnlySpan<byte> document)
    {
        JsonWebKeySet? set;
        try
        {
            set = JsonSerializer.Deserialize(document, JwtJsonContext.Default.JsonWebKeySet);
        }
        catch (JsonException ex)
        {
            throw new SigningKeysUnavailableException("the JWKS is not valid JSON of the form {\"keys\":[...]}", ex);
        }

        var keys = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
        foreach (var key in set?.Keys ?? [])
        {
            if (key is not { KeyType: "RSA", KeyId: { Length: > 0 } kid, Modulus: { } n, Exponent: { } e }
                || key.Use is not (null or "sig")
                || key.Algorithm is not (null or "RS256"))
            {
                continue;
            }

            try
            {
                keys[kid] = new RSAParameters { Modulus = Base64Url.DecodeFromChars(n), Exponent = Base64Url.DecodeFromChars(e) };
            }
            catch (FormatException)
            {
                // A malformed key cannot verify anything; the others still can.
            }
        }

        return keys.Count > 0
            ? new SigningKeySet(keys)
            : throw new SigningKeysUnavailableException("the JWKS holds no RSA signing key (kty RSA with kid, n and e)");
    }
}

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
