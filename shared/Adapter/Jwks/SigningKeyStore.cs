using System.Security.Cryptography;
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
