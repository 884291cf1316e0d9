using System.Security.Cryptography.X509Certificates;

namespace EscRotators.Tls;

/// <summary>
/// The TLS policy for one connection. <see cref="TrustedAuthorities"/> is null when the system trust
/// store is to be used (verify modes without a CA bundle).
/// </summary>
public sealed record TlsSettings(TlsMode Mode, X509Certificate2Collection? TrustedAuthorities)
{
    public static TlsSettings Default { get; } = new(TlsMode.Prefer, null);

    public bool VerifiesCertificate => Mode is TlsMode.VerifyCA or TlsMode.VerifyFull;
}
