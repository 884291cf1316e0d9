namespace EscRotators.Adapter.Jwks;

/// <summary>Where the trusted signing keys come from: a file shipped with the rotator, or an HTTPS URL.</summary>
public interface IJwksSource
{
    /// <summary>Names the source in log lines (a path or URL, never a key).</summary>
    string Description { get; }

    /// <summary>The JWKS document; throws <see cref="SigningKeysUnavailableException"/> with a log-safe reason.</summary>
    Task<byte[]> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A JWKS file, e.g. shipped next to <c>bootstrap</c> for a VPC without internet egress.</summary>
public sealed class JwksFileSource : IJwksSource
{
    private readonly string _path;

    public JwksFileSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
    }

    public string Description => _path;

    public async Task<byte[]> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(_path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SigningKeysUnavailableException($"cannot read {_path}: {ex.GetType().Name}", ex);
        }
    }
}
