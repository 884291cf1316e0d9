namespace EscRotators.Adapter.Jwks;

/// <summary>What <see cref="SigningKeyStore"/> found for a <c>kid</c>.</summary>
public enum SigningKeyLookup
{
    Found,

    /// <summary>The keys are loaded and none has this <c>kid</c>.</summary>
    UnknownKey,

    /// <summary>No keys could be loaded: the caller answers 503.</summary>
    Unavailable,
}
