using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EscRotators.Tls;

/// <summary>
/// The platform's CA certificates, loaded by us and only when a check needs them (<c>verify-ca</c> or
/// <c>verify-full</c> without a CA bundle). Paired with <c>bootstrap</c> pointing OpenSSL's default store at an empty
/// directory, this keeps .NET from reading the whole store on the first TLS handshake, which otherwise costs more
/// than the rotation itself on a cold start; the trust decisions stay the same.
/// </summary>
public sealed class SystemTrustStore
{
    // OpenSSL's compiled-in defaults on Debian/Ubuntu, Amazon Linux 2023/RHEL and others, in that order.
    private static readonly string[] DefaultFiles =
        ["/usr/lib/ssl/cert.pem", "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/cert.pem", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

    private static readonly string[] DefaultDirectories = ["/usr/lib/ssl/certs", "/etc/ssl/certs", "/etc/pki/tls/certs"];

    private readonly Lazy<X509Certificate2Collection> _roots;

    public SystemTrustStore(string? bundleFile, string? directory)
    {
        BundleFile = bundleFile;
        Directory = directory;
        _roots = new Lazy<X509Certificate2Collection>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string? BundleFile { get; }

    public string? Directory { get; }

    public X509Certificate2Collection Roots => _roots.Value;

    /// <summary>Where OpenSSL would look, honouring <c>SSL_CERT_FILE</c> and <c>SSL_CERT_DIR</c>.</summary>
    public static SystemTrustStore FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var file = environment("SSL_CERT_FILE") is { Length: > 0 } f ? f : DefaultFiles.FirstOrDefault(File.Exists);
        var directory = environment("SSL_CERT_DIR") is { Length: > 0 } d ? d : DefaultDirectories.FirstOrDefault(System.IO.Directory.Exists);
        return new SystemTrustStore(file, directory);
    }

    private X509Certificate2Collection Load()
    {
        var roots = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (BundleFile is not null && File.Exists(BundleFile))
        {
            AddFrom(BundleFile, roots, seen);
        }

        if (Directory is not null && System.IO.Directory.Exists(Directory))
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
            {
                AddFrom(path, roots, seen);
            }
        }

        return roots;
    }

    private static void AddFrom(string path, X509Certificate2Collection roots, HashSet<string> seen)
    {
        var found = new X509Certificate2Collection();
        try
        {
            found.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            return; // Not a certificate file (directories also hold CRLs, keys, READMEs).
        }

        foreach (var certificate in found)
        {
            if (seen.Add(certificate.Thumbprint))
            {
                roots.Add(certificate);
            }
        }
    }
}
