using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text;
using EscRotators.Adapter.Jwks;
using EscRotators.Logging;

namespace EscRotators.Adapter.Jwt;

/// <summary>
/// Form C's token checks, all of them required: <c>Authorization: Bearer</c>; compact JWS with <c>alg</c> exactly
/// RS256 (so never <c>none</c> or an HMAC keyed with the public key); <c>kid</c> in the trusted JWKS; the
/// signature; <c>iss</c>; <c>aud</c>; <c>exp</c> and <c>iat</c> present, whole seconds, at most
/// <see cref="AdapterOptions.MaxTokenLifetime"/> apart; <c>exp</c>/<c>nbf</c>/<c>iat</c> within the clock skew; <c>body_hash</c> of the
/// raw body; the subject allow-list; <c>jti</c> not seen before. BCL only (RSA, SHA-256, Base64Url,
/// System.Text.Json source generation): no reflection, and the <c>bootstrap</c> binary stays small.
/// </summary>
public sealed class BearerTokenValidator
{
    // Pulumi's tokens are around a kilobyte; this bounds the work a hostile header can cause.
    private const int MaxTokenLength = 16 * 1024;
    private const int MaxEchoLength = 40;
    private const string BodyHashPrefix = "sha256-";

    // 9999-12-31T23:59:59Z, the last second a DateTimeOffset holds.
    private const double MaxNumericDate = 253_402_300_799;

    private readonly AdapterOptions _options;
    private readonly SigningKeyStore _keys;
    private readonly ReplayCache _replays;
    private readonly TimeProvider _time;

    public BearerTokenValidator(AdapterOptions options, SigningKeyStore keys, ReplayCache replays, TimeProvider time)
    {
        _options = options;
        _keys = keys;
        _replays = replays;
        _time = time;
    }

    public async Task<TokenCheck> CheckAsync(string? authorization, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return TokenCheck.Unauthorized("no Authorization header");
        }

        var space = authorization.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !authorization.AsSpan(0, space).Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return TokenCheck.Unauthorized("the Authorization scheme is not Bearer");
        }

        var token = authorization[(space + 1)..].Trim();
        if (token.Length is 0 or > MaxTokenLength)
        {
            return TokenCheck.Unauthorized("the bearer token is empty or too long");
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot < 0 || secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            return TokenCheck.Unauthorized("the bearer token is not a compact JWS (three dot-separated parts)");
        }

        var header = Decode(token.AsSpan(0, firstDot), JwtJsonContext.Default.JwtHeader);
        if (header is null)
        {
            return TokenCheck.Unauthorized("the token header is not base64url JSON");
        }

        if (!string.Equals(header.Algorithm, "RS256", StringComparison.Ordinal))
        {
            return TokenCheck.Unauthorized($"the token alg is {Printable(header.Algorithm)}, not RS256");
        }

        if (string.IsNullOrEmpty(header.KeyId))
        {
            return TokenCheck.Unauthorized("the token header has no kid");
        }

        SigningKeyLookup lookup;
        RSAParameters key;
        try
        {
            (lookup, key) = await _keys.FindAsync(header.KeyId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new TokenCheck(TokenVerdict.KeysUnavailable, "the signing keys did not arrive before the deadline", null);
        }

        switch (lookup)
        {
            case SigningKeyLookup.Unavailable:
                return new TokenCheck(TokenVerdict.KeysUnavailable, "the signing keys could not be loaded", null);
            case SigningKeyLookup.UnknownKey:
                return TokenCheck.Unauthorized($"kid {Printable(header.KeyId)} is not in the trusted JWKS");
        }

        if (!SignatureIsValid(token, firstDot, secondDot, key))
        {
            return TokenCheck.Unauthorized("the token signature is not valid for its kid");
        }

        var claims = Decode(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), JwtJsonContext.Default.JwtClaims);
        if (claims is null)
        {
            return TokenCheck.Unauthorized("the token claims are not base64url JSON");
        }

        var subject = claims.Subject;
        var problem = CheckClaims(claims, body.Span, out var forgetAfter);
        if (problem is not null || claims.TokenId is not { } tokenId)
        {
            // CheckClaims refuses a token without jti, so the problem is always named here.
            return TokenCheck.Unauthorized(problem ?? "the token has no jti", subject);
        }

        if (_options.AllowedSubjects.Count > 0 && (subject is null || !_options.AllowedSubjects.Any(p => p.Matches(subject))))
        {
            return new TokenCheck(TokenVerdict.Forbidden, "the token subject is not in ESC_ROTATOR_ALLOWED_SUBJECTS", subject);
        }

        return _replays.TryRecord(tokenId, forgetAfter) switch
        {
            ReplayVerdict.Recorded => TokenCheck.Accepted(subject),
            ReplayVerdict.Replayed => TokenCheck.Unauthorized("the token id (jti) was already used", subject),
            _ => TokenCheck.Unauthorized("the replay cache is full of unexpired token ids", subject),
        };
    }

    private string? CheckClaims(JwtClaims claims, ReadOnlySpan<byte> body, out DateTimeOffset forgetAfter)
    {
        forgetAfter = default;
        if (claims.Issuer is null || !_options.Issuers.Contains(claims.Issuer, StringComparer.Ordinal))
        {
            return $"the token issuer {Printable(claims.Issuer)} is not accepted";
        }

        if (!AudienceMatches(claims.Audience))
        {
            return "the token audience does not name ESC_ROTATOR_AUDIENCE";
        }

        if (claims.ExpiresAt is not { } exp)
        {
            return "the token has no exp";
        }

        if (claims.IssuedAt is not { } iat)
        {
            return "the token has no iat";
        }

        // Checked before any arithmetic on them: 1e300 is valid JSON and a valid double, but no point in time.
        if ((NumericDateProblem("exp", exp) ?? NumericDateProblem("iat", iat) ?? NumericDateProblem("nbf", claims.NotBefore)) is { } range)
        {
            return range;
        }

        if (exp - iat > _options.MaxTokenLifetime.TotalSeconds)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the token lives longer than {_options.MaxTokenLifetime.TotalMinutes:0} minutes (exp - iat)");
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var skew = _options.ClockSkew.TotalSeconds;
        if (now > exp + skew)
        {
            return "the token has expired";
        }

        if (claims.NotBefore is { } nbf && nbf > now + skew)
        {
            return "the token is not valid yet (nbf)";
        }

        if (iat > now + skew)
        {
            return "the token was issued in the future (iat)";
        }

        if (claims.BodyHash is null)
        {
            return "the token has no body_hash";
        }

        if (!BodyHashMatches(claims.BodyHash, body))
        {
            return "the token body_hash does not match the request body";
        }

        if (string.IsNullOrEmpty(claims.TokenId))
        {
            return "the token has no jti";
        }

        // Remembered as long as the token could be accepted at all: at most the lifetime cap plus the skew from now.
        // The expiry check above still passes at exactly exp + skew (and up to a millisecond after, as it reads the
        // clock in milliseconds) while the cache forgets at that instant, so it keeps the id one second longer.
        forgetAfter = DateTimeOffset.FromUnixTimeSeconds((long)exp).Add(_options.ClockSkew).AddSeconds(1);
        return null;
    }

    // RFC 7519 allows fractions; Pulumi sends whole seconds, and whole seconds within DateTimeOffset's range are
    // what the checks and the replay cache can represent.
    private static string? NumericDateProblem(string claim, double? value) =>
        value is { } seconds && !(Math.Floor(seconds) == seconds && seconds is >= 0 and <= MaxNumericDate)
            ? $"the token {claim} is not a whole number of seconds between 1970 and 9999"
            : null;

    private bool AudienceMatches(JsonElement audience) => audience.ValueKind switch
    {
        JsonValueKind.String => audience.ValueEquals(_options.Audience),
        JsonValueKind.Array => audience.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.ValueEquals(_options.Audience)),
        _ => false,
    };

    private static bool BodyHashMatches(string claimed, ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        var expected = BodyHashPrefix + Convert.ToBase64String(hash);
        return string.Equals(claimed, expected, StringComparison.Ordinal);
    }

    private static bool SignatureIsValid(string token, int firstDot, int secondDot, RSAParameters key)
    {
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(token.AsSpan(secondDot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        // The signing input is the ASCII of header.payload; a non-ASCII character cannot be part of a valid token.
        var signingInput = token.AsSpan(0, secondDot);
        if (!Ascii.IsValid(signingInput))
        {
            return false;
        }

        var input = new byte[signingInput.Length];
        Encoding.ASCII.GetBytes(signingInput, input);
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(key);
            return rsa.VerifyData(input, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static T? Decode<T>(ReadOnlySpan<char> part, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(Base64Url.DecodeFromChars(part), type);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return null;
        }
    }

    // Header and claim values are attacker-chosen: bounded and printable before they reach a log line.
    private static string Printable(string? value) => PrintableText.Quote(value, MaxEchoLength);
}

/// <summary>
/// Token ids (<c>jti</c>) seen while their tokens are still valid. Per process: each Lambda execution environment
/// or server instance keeps its own. Bounded: when full of unexpired ids it refuses new ones rather than forget one
/// that could then be replayed.
/// </summary>
public sealed class ReplayCache
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    public ReplayCache(int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _time = time;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Records <paramref name="tokenId"/> until <paramref name="forgetAfter"/>.</summary>
    public ReplayVerdict TryRecord(string tokenId, DateTimeOffset forgetAfter)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_expiries.TryPeek(out var id, out var expiry) && expiry <= now)
            {
                _expiries.Dequeue();
                _seen.Remove(id);
            }

            if (_seen.ContainsKey(tokenId))
            {
                return ReplayVerdict.Replayed;
            }

            if (_seen.Count >= _capacity)
            {
                return ReplayVerdict.Full;
            }

            _seen.Add(tokenId, forgetAfter);
            _expiries.Enqueue(tokenId, forgetAfter);
            return ReplayVerdict.Recorded;
        }
    }
}

/// <summary>The answer of <see cref="ReplayCache.TryRecord"/>.</summary>
public enum ReplayVerdict
{
    Recorded,
    Replayed,
    Full,
}
