using System.Security.Cryptography.X509Certificates;
using EscRotators.Tls;

namespace EscRotators.Configuration;

/// <summary>Reads the PEM CA bundle a configuration variable names, failing loudly when it cannot be used.</summary>
public static class CaBundleFile
{
    /// <summary>
    /// Reads the certificates in <paramref name="path"/>, resolved next to the executable when relative (where a
    /// bundle ships with the Lambda or the server).
    /// </summary>
    /// <param name="variable">The variable that named the file, for the message of an <see cref="InvalidConfigurationException"/>.</param>
    /// <param name="path">The file, absolute or relative to the executable's directory.</param>
    public static X509Certificate2Collection Read(string variable, string path)
    {
        var resolved = Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);
        string pem;
        try
        {
            pem = File.ReadAllText(resolved);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidConfigurationException($"{variable}: cannot read {resolved}: {ex.Message}", ex);
        }

        return CaBundle.TryParse(pem)
            ?? throw new InvalidConfigurationException($"{variable}: {resolved} holds no PEM certificate");
    }
}
