using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace EscRotators.Tests.Adapter;

/// <summary>
/// Plays Pulumi Cloud in tests: an RSA key generated here, its JWKS, and tokens signed the way ESC signs
/// <c>fn::rotate::external</c> requests (RS256, kid, iss, aud, exp/nbf/iat, jti, body_hash of the exact body).
/// Tokens are built from JSON nodes, so a test can drop or bend any part of them.
/// </summary>
public sealed class TestTokenIssuer : IDisposable
{
    public const string Issuer = "https://api.pulumi.com/oidc";
    public const string Subject = "pulumi:environments:org:acme:env:db/rotated";

    public TestTokenIssuer(string keyId = "test-key-1")
    {
        KeyId = keyId;
        Key = RSA.Create(2048);
    }

    public string KeyId { get; }

    public RSA Key { get; }

    /// <summary><c>{"keys":[{...}]}</c> with this issuer's public key (and any <paramref name="extra"/> issuers' keys).</summary>
    public string Jwks(params TestTokenIssuer[] extra)
    {
        var keys = new JsonArray { PublicJwk() };
        foreach (var issuer in extra)
        {
            keys.Add(issuer.PublicJwk());
        }

        return new JsonObject { ["keys"] = keys }.ToJsonString();
    }

    public JsonObject PublicJwk()
    {
        var parameters = Key.ExportParameters(false);
        return new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = KeyId,
            ["n"] = Base64Url.EncodeToString(parameters.Modulus),
            ["e"] = Base64Url.EncodeToString(parameters.Exponent),
        };
    }

    public static JsonObject Header(string keyId, string alg = "RS256") => new() { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = keyId };

    /// <summary>The claims ESC sends for <paramref name="body"/>, valid for five minutes from <paramref name="now"/>.</summary>
    public static JsonObject Claims(string audience, byte[] body, DateTimeOffset now, string subject = Subject, string issuer = Issuer)
    {
        var seconds = now.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = issuer,
            ["sub"] = subject,
            ["aud"] = audience,
            ["iat"] = seconds,
            ["nbf"] = seconds,
            ["exp"] = seconds + 300,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["body_hash"] = BodyHash(body),
        };
    }

    public static string BodyHash(byte[] body) => "sha256-" + Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>A valid token for <paramref name="body"/>.</summary>
    public string Token(string audience, byte[] body, DateTimeOffset now, string issuer = Issuer) =>
        Sign(Header(KeyId), Claims(audience, body, now, issuer: issuer));

    /// <summary>Signs header.claims with RS256 under this key, whatever the header says.</summary>
    public string Sign(JsonObject header, JsonObject claims)
    {
        var input = Unsigned(header, claims);
        var signature = Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>HS256 keyed with this issuer's public key: the classic algorithm-confusion forgery.</summary>
    public string SignHs256WithPublicKey(JsonObject claims)
    {
        var input = Unsigned(Header(KeyId, "HS256"), claims);
        var secret = Encoding.ASCII.GetBytes(Key.ExportSubjectPublicKeyInfoPem());
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary><c>alg: none</c>, empty signature.</summary>
    public string Unsecured(JsonObject claims) => Unsigned(Header(KeyId, "none"), claims) + ".";

    public static string Unsigned(JsonObject header, JsonObject claims) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." +
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));

    public void Dispose() => Key.Dispose();
}
