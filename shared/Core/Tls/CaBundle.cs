using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EscRotators.Tls;

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
