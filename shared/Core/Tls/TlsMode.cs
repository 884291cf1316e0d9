namespace EscRotators.Tls;

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
