using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, generated in the test, written as PEM files (certificate,
/// key) in a temporary directory for processes, and usable as the only trust anchor of a client.
/// </summary>
internal sealed class LoopbackCertificate : IDisposable
{
    private LoopbackCertificate(X509Certificate2 certificate, string directory)
    {
        Certificate = certificate;
        Directory = directory;
        CertificatePath = Path.Combine(directory, "cert.pem");
        KeyPath = Path.Combine(directory, "key.pem");
    }

    public X509Certificate2 Certificate { get; }

    public string Directory { get; }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    public static LoopbackCertificate Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=esc-rotator test 127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var directory = Path.Combine(Path.GetTempPath(), "esc-adapter-tls-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var created = new LoopbackCertificate(certificate, directory);
        File.WriteAllText(created.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(created.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return created;
    }

    /// <summary>A client handler that trusts this certificate alone (chain built against it as the only root).</summary>
    public HttpClientHandler TrustingHandler()
    {
        var handler = new HttpClientHandler();
        handler.ServerCertificateCustomValidationCallback = (_, presented, _, errors) =>
        {
            if (presented is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Certificate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(presented);
        };
        return handler;
    }

    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory holds only a throwaway test key.
        }
    }
}
