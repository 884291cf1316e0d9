namespace EscRotators.Adapter.Jwks;

/// <summary>Where the trusted signing keys come from: a file shipped with the rotator, or an HTTPS URL.</summary>
public interface IJwksSource
{
    /// <summary>Names the source in log lines (a path or URL, never a key).</summary>
    string Description { get; }

    /// <summary>The JWKS document; throws <see cref="SigningKeysUnavailableException"/> with a log-safe reason.</summary>
    Task<byte[]> ReadAsync(CancellationToken cancellationToken);
}
