using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using System.Text.Json;
using EscRotators.Adapter.Jwt;
using EscRotators.Logging;

namespace EscRotators.Adapter.Jwks;

/// <summary>
/// The trusted signing keys, cached. Loaded on first use; fetched again when a token names an unknown <c>kid</c>
/// (keys roll over) or the cache is older than its lifetime, but never more than once per refetch interval, so
/// tokens with made-up <c>kid</c>s cannot make the adapter hammer the JWKS endpoint. A failed first load answers
/// <see cref="SigningKeyLookup.Unavailable"/>; a failed refresh keeps the keys already verified.
/// </summary>
public sealed class SigningKeyStore
{
    private readonly IJwksSource _source;
    private readonly AdapterOptions _options;
    private readonly TimeProvider _time;
    private readonly RotatorLogger _logger;
    private readonly SemaphoreSlim _fetchGate = new(1, 1);
    private SigningKeySet? _keys;
    private DateTimeOffset _loadedAt;
    private DateTimeOffset? _lastAttempt;

    public SigningKeyStore(IJwksSource source, AdapterOptions options, TimeProvider time, RotatorLogger logger)
    {
        _source = source;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task<(SigningKeyLookup Lookup, RSAParameters Key)> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (TryCached(keyId, out var cached))
        {
            return (SigningKeyLookup.Found, cached);
        }

        if (MayFetch())
        {
            await _fetchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Another request may have fetched while this one waited.
                if (!TryCached(keyId, out _) && MayFetch())
                {
                    await FetchAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _fetchGate.Release();
            }
        }

        var keys = Volatile.Read(ref _keys);
        if (keys is null)
        {
            return (SigningKeyLookup.Unavailable, default);
        }

        return keys.TryGet(keyId, out var key) ? (SigningKeyLookup.Found, key) : (SigningKeyLookup.UnknownKey, default);
    }

    private bool TryCached(string keyId, out RSAParameters key)
    {
        key = default;
        return Volatile.Read(ref _keys) is { } keys && _time.GetUtcNow() - _loadedAt < _options.JwksLifetime && keys.TryGet(keyId, out key);
    }

    private bool MayFetch() => _lastAttempt is not { } last || _time.GetUtcNow() - last >= _options.JwksRefetchInterval;

    private async Task FetchAsync(CancellationToken cancellationToken)
    {
        _lastAttempt = _time.GetUtcNow();
        try
        {
            var document = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            var keys = SigningKeySet.Parse(document);
            _loadedAt = _time.GetUtcNow();
            Volatile.Write(ref _keys, keys);
            _logger.Info("signing keys loaded", LogField.Of("jwks", _source.Description), LogField.Of("keys", keys.Count));
        }
        catch (SigningKeysUnavailableException ex)
        {
            _logger.Error(
                _keys is null
                    ? "signing keys could not be loaded: HTTPS adapter requests get 503 until they can"
                    : "signing keys could not be refreshed: keeping the keys loaded before",
                LogField.Of("jwks", _source.Description),
                LogField.Of("error", ex.Message),
                LogField.Of("retryAfterSeconds", (long)_options.JwksRefetchInterval.TotalSeconds));
        }
    }
}

/// <summary>What <see cref="SigningKeyStore"/> found for a <c>kid</c>.</summary>
public enum SigningKeyLookup
{
    Found,

    /// <summary>The keys are loaded and none has this <c>kid</c>.</summary>
    UnknownKey,

    /// <summary>No keys could be loaded: the caller answers 503.</summary>
    Unavailable,
}

/// <summary>The JWKS could not be read or held no usable key; the message is safe to log.</summary>
public sealed class SigningKeysUnavailableException : Exception
{
    public SigningKeysUnavailableException(string message)
        : base(message)
    {
    }

    public SigningKeysUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

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
