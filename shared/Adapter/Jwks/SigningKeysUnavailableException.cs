namespace EscRotators.Adapter.Jwks;

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
