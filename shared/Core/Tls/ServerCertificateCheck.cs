using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EscRotators.Tls;

/// <summary>
/// The certificate check behind <c>verify-ca</c> and <c>verify-full</c>, shared by both engines so they fail
/// the same way. One instance serves one connection and remembers why it refused, so the reply can say whether
/// the chain or the host name did not match.
/// </summary>
public sealed class ServerCertificateCheck
{
    private readonly TlsSettings _settings;
    private readonly string _host;
    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">
    /// The platform roots for verify modes without a CA bundle; null leaves that verdict to the TLS layer's own
    /// chain check (the process default store).
    /// </param>
    public ServerCertificateCheck(TlsSettings settings, string host, SystemTrustStore? systemTrust = null)
    {
        _settings = settings;
        _host = host;
        _systemTrust = systemTrust;
    }

    /// <summary>
    /// The chain policy for the TLS layer, where the driver lets us set one. When the system trust store plays no
    /// part (no check, or a CA bundle of our own), a custom-root policy spares .NET from loading the whole system
    /// store on the first handshake, which dominates a cold start; null keeps the platform default.
    /// </summary>
    public X509ChainPolicy? ChainPolicy
    {
        get
        {
            if (_settings.VerifiesCertificate && _settings.TrustedAuthorities is null && _systemTrust is null)
            {
                return null;
            }

            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            if (_settings.VerifiesCertificate && (_settings.TrustedAuthorities ?? _systemTrust?.Roots) is { } authorities)
            {
                policy.CustomTrustStore.AddRange(authorities);
            }

            return policy;
        }
    }

    /// <summary>Puts this check and its chain policy on a TLS client's options: the one way every TLS client we build is wired.</summary>
    public SslClientAuthenticationOptions ApplyTo(SslClientAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RemoteCertificateValidationCallback = Validate;
        options.CertificateChainPolicy = ChainPolicy;
        return options;
    }

    /// <summary>Why the last certificate was refused; null when it was accepted or none was checked.</summary>
    public string? FailureReason { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!_settings.VerifiesCertificate)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            FailureReason = "the server presented no certificate";
            return false;
        }

        var authorities = _settings.TrustedAuthorities ?? _systemTrust?.Roots;
        var chainProblem = authorities is not null
            ? CheckChainAgainst(authorities, certificate, chain)
            : errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? Describe(chain) : null;
        if (chainProblem is not null)
        {
            FailureReason = $"the server certificate is not trusted: {chainProblem}";
            return false;
        }

        if (_settings.Mode == TlsMode.VerifyFull && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            FailureReason = $"the server certificate does not match the host name \"{_host}\" " +
                "(connect with a name the certificate lists, or use verify-ca)";
            return false;
        }

        FailureReason = null;
        return true;
    }

    private static string? CheckChainAgainst(X509Certificate2Collection authorities, X509Certificate certificate, X509Chain? presented)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);

        // Database servers' CAs (RDS among them) publish no reachable revocation lists from inside a VPC.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf) ? null : Describe(chain);
    }

    private static string Describe(X509Chain? chain)
    {
        if (chain is null)
        {
            return "the chain could not be built";
        }

        var statuses = chain.ChainStatus
            .Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => s.Status switch
            {
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain =>
                    "it is not signed by a trusted CA (check tls.caBundle or ESC_ROTATOR_CA_BUNDLE)",
                X509ChainStatusFlags.NotTimeValid => "it has expired or is not yet valid",
                _ => s.Status.ToString(),
            })
            .Distinct()
            .ToArray();
        return statuses.Length == 0 ? "the chain could not be built" : string.Join("; ", statuses);
    }
}
