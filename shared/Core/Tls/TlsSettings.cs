using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography;

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

/// <summary>How the rotator protects its connection to the database (libpq's sslmode names).</summary>
public enum TlsMode
{
    /// <summary>Plaintext only.</summary>
    Disable,

    /// <summary>TLS when the server offers it, plaintext otherwise; no certificate check.</summary>
    Prefer,

    /// <summary>TLS always, no certificate check.</summary>
    Require,

    /// <summary>TLS always; the chain must lead to a trusted CA.</summary>
    VerifyCA,

    /// <summary>TLS always; chain checked and the certificate must name the host.</summary>
    VerifyFull,
}

/// <summary>The wire spelling of <see cref="TlsMode"/> values.</summary>
public static class TlsModeNames
{
    public const string Accepted = "disable, prefer, require, verify-ca, verify-full";

    public static bool TryParse(string? text, out TlsMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "disable": mode = TlsMode.Disable; return true;
            case "prefer": mode = TlsMode.Prefer; return true;
            case "require": mode = TlsMode.Require; return true;
            case "verify-ca": mode = TlsMode.VerifyCA; return true;
            case "verify-full": mode = TlsMode.VerifyFull; return true;
            default: mode = TlsMode.Prefer; return false;
        }
    }

    public static string ToWireName(this TlsMode mode) => mode switch
    {
        TlsMode.Disable => "disable",
        TlsMode.Prefer => "prefer",
        TlsMode.Require => "require",
        TlsMode.VerifyCA => "verify-ca",
        TlsMode.VerifyFull => "verify-full",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}

/// <summary>Reads PEM text holding one or more CA certificates (e.g. the RDS global bundle).</summary>
public static class CaBundle
{
    /// <summary>Parses <paramref name="pem"/>; null when it holds no certificate or is not PEM.</summary>
    public static X509Certificate2Collection? TryParse(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            return null;
        }

        return collection.Count == 0 ? null : collection;
    }
}
