using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EscRotators.MySql;

/// <summary>
/// MySqlConnector takes the CAs of its own chain check (<c>SslCa</c>) only as a file. The CA bundle of a request or of
/// the environment is written once per process to a file named after its content, under the temporary directory
/// (Lambda's <c>/tmp</c>), and reused.
/// </summary>
internal static class TrustedAuthoritiesFile
{
    private static readonly ConditionalWeakTable<X509Certificate2Collection, string> Paths = [];

    public static string PathFor(X509Certificate2Collection authorities) =>
        Paths.GetValue(authorities, static collection => Write(collection));

    private static string Write(X509Certificate2Collection authorities)
    {
        var pem = new StringBuilder();
        foreach (var authority in authorities)
        {
            pem.Append(PemEncoding.Write("CERTIFICATE", authority.RawData)).Append('\n');
        }

        var bytes = Encoding.ASCII.GetBytes(pem.ToString());
        var directory = Path.Combine(Path.GetTempPath(), "esc-rotators");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"ca-{Convert.ToHexStringLower(SHA256.HashData(bytes))}.pem");
        if (!File.Exists(path))
        {
            // Written aside and moved into place, so that a concurrent reader never sees half a bundle.
            var partial = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(partial, bytes);
            File.Move(partial, path, overwrite: true);
        }

        return path;
    }
}
