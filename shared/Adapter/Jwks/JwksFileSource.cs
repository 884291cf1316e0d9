namespace EscRotators.Adapter.Jwks;

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
