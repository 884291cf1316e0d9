using System.Text;
using System.Text.Json.Nodes;

namespace EscRotators.Tests.Adapter;

/// <summary>One request Form C refuses, and the status it must get.</summary>
public sealed record RefusedRequest(string Name, int Status, string Method, string? ContentType, string? Authorization, byte[] Body)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every request the adapter must refuse, built around a body that would rotate if it were accepted. Shared by the
/// in-process tests and the tests of both transports, so each transport faces exactly the same list.
/// </summary>
public static class RefusedRequests
{
    public const int MaxBodyBytes = 256 * 1024;

    public static readonly string[] Names =
    [
        "no Authorization header", "Basic scheme", "bad signature", "alg none", "HS256 keyed with the public key",
        "unknown kid", "expired", "nbf in the future", "iat in the future", "wrong aud", "wrong iss", "tampered body",
        "missing body_hash", "missing jti", "subject not allowed", "body over 256 KiB", "wrong content type", "GET",
        "exp 1e15", "exp 1e300", "exp not a whole number", "iat 1e15", "iat negative", "iat not a whole number",
        "nbf -1e300", "nbf not a whole number", "missing iat", "lifetime over two hours", "issuer oidc/v2",
    ];

    /// <summary>Pulumi's second issuer: <c>fn::open::oidc</c> tokens, with keys of their own; never ESC's external rotator.</summary>
    public const string V2Issuer = "https://api.pulumi.com/oidc/v2";

    /// <summary>The request called <paramref name="name"/>; <paramref name="disallowedSubject"/> is outside the allow-list.</summary>
    public static RefusedRequest Build(string name, TestTokenIssuer issuer, string audience, byte[] body, DateTimeOffset now, string disallowedSubject)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(body);
        const string Json = "application/json";
        var kid = issuer.KeyId;
        string Bearer(string token) => "Bearer " + token;
        JsonObject Claims(Action<JsonObject>? change = null)
        {
            var claims = TestTokenIssuer.Claims(audience, body, now);
            change?.Invoke(claims);
            return claims;
        }

        string Signed(Action<JsonObject> change) => Bearer(issuer.Sign(TestTokenIssuer.Header(kid), Claims(change)));

        switch (name)
        {
            case "no Authorization header":
                return new(name, 401, "POST", Json, null, body);
            case "Basic scheme":
                return new(name, 401, "POST", Json, "Basic " + issuer.Token(audience, body, now), body);
            case "bad signature":
            {
                // Same kid, another key: only the signature can tell.
                using var impostor = new TestTokenIssuer(kid);
                return new(name, 401, "POST", Json, Bearer(impostor.Token(audience, body, now)), body);
            }

            case "alg none":
                return new(name, 401, "POST", Json, Bearer(issuer.Unsecured(Claims())), body);
            case "HS256 keyed with the public key":
                return new(name, 401, "POST", Json, Bearer(issuer.SignHs256WithPublicKey(Claims())), body);
            case "unknown kid":
                return new(name, 401, "POST", Json, Bearer(issuer.Sign(TestTokenIssuer.Header("unknown-kid"), Claims())), body);
            case "expired":
                return new(name, 401, "POST", Json, Bearer(issuer.Token(audience, body, now.AddSeconds(-361))), body);
            case "nbf in the future":
                return new(name, 401, "POST", Json, Signed(c => c["nbf"] = now.ToUnixTimeSeconds() + 120), body);
            case "iat in the future":
                return new(name, 401, "POST", Json, Signed(c => c["iat"] = now.ToUnixTimeSeconds() + 120), body);
            case "wrong aud":
                return new(name, 401, "POST", Json, Bearer(issuer.Token("https://elsewhere.example/", body, now)), body);
            case "wrong iss":
                return new(name, 401, "POST", Json, Signed(c => c["iss"] = "https://api.pulumi.com.evil.example"), body);
            case "tampered body":
            {
                var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"username1\"", "\"username1\" ", StringComparison.Ordinal));
                return new(name, 401, "POST", Json, Bearer(issuer.Token(audience, body, now)), tampered);
            }

            case "missing body_hash":
                return new(name, 401, "POST", Json, Signed(c => c.Remove("body_hash")), body);
            case "missing jti":
                return new(name, 401, "POST", Json, Signed(c => c.Remove("jti")), body);
            case "subject not allowed":
                return new(name, 403, "POST", Json, Signed(c => c["sub"] = disallowedSubject), body);
            case "body over 256 KiB":
            {
                // Valid JSON, correctly signed: only its size is wrong.
                var padded = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).TrimEnd('}') + ",\"padding\":\"" + new string('x', MaxBodyBytes) + "\"}");
                return new(name, 413, "POST", Json, Bearer(issuer.Token(audience, padded, now)), padded);
            }

            case "wrong content type":
                return new(name, 415, "POST", "text/plain", Bearer(issuer.Token(audience, body, now)), body);
            case "GET":
                return new(name, 405, "GET", null, Bearer(issuer.Token(audience, [], now)), []);
            case "exp 1e15":
                return new(name, 401, "POST", Json, Signed(c => c["exp"] = 1e15), body);
            case "exp 1e300":
                return new(name, 401, "POST", Json, Signed(c => c["exp"] = 1e300), body);
            case "exp not a whole number":
                return new(name, 401, "POST", Json, Signed(c => c["exp"] = now.ToUnixTimeSeconds() + 300.5), body);
            case "iat 1e15":
                return new(name, 401, "POST", Json, Signed(c => c["iat"] = 1e15), body);
            case "iat negative":
                return new(name, 401, "POST", Json, Signed(c => c["iat"] = -1), body);
            case "iat not a whole number":
                return new(name, 401, "POST", Json, Signed(c => c["iat"] = now.ToUnixTimeSeconds() - 0.5), body);
            case "nbf -1e300":
                return new(name, 401, "POST", Json, Signed(c => c["nbf"] = -1e300), body);
            case "nbf not a whole number":
                return new(name, 401, "POST", Json, Signed(c => c["nbf"] = now.ToUnixTimeSeconds() - 0.5), body);
            case "missing iat":
                return new(name, 401, "POST", Json, Signed(c => c.Remove("iat")), body);
            case "lifetime over two hours":
                // Issued 2 h ago and valid for five more minutes: every other claim is in order.
                return new(name, 401, "POST", Json, Signed(c => c["iat"] = now.ToUnixTimeSeconds() - 7200), body);
            case "issuer oidc/v2":
                return new(name, 401, "POST", Json, Signed(c => c["iss"] = V2Issuer), body);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such refused request");
        }
    }

    /// <summary>The parts of a token that must never show up in a log.</summary>
    public static IEnumerable<string> TokenParts(string? authorization)
    {
        if (authorization is null)
        {
            yield break;
        }

        var token = authorization[(authorization.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        foreach (var part in token.Split('.'))
        {
            if (part.Length >= 16)
            {
                yield return part;
            }
        }
    }
}
