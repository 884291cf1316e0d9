using System.Runtime.InteropServices;
using EscRotators.Tls;

namespace EscRotators.Composition;

/// <summary>
/// Moves the platform CA store out of .NET's way for this process (see <see cref="SystemTrustStore"/>): records where
/// it is, then points OpenSSL's <c>SSL_CERT_FILE</c>/<c>SSL_CERT_DIR</c> at an empty directory. Must run before the first
/// TLS handshake. Environment.SetEnvironmentVariable would not do: it does not reach the native environment OpenSSL reads.
/// </summary>
internal static partial class ProcessTrustStore
{
    public static SystemTrustStore Detach()
    {
        // Read first: the returned store must know the real locations. Our checks use it whether or not the
        // redirection below succeeds, so a failure only costs speed, never trust.
        var store = SystemTrustStore.FromEnvironment();
        var empty = Path.Combine(Path.GetTempPath(), "esc-rotator-empty-ca");
        try
        {
            Directory.CreateDirectory(empty);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return store;
        }

        _ = SetEnvironment("SSL_CERT_DIR", empty, 1);
        _ = SetEnvironment("SSL_CERT_FILE", Path.Combine(empty, "none.pem"), 1);
        return store;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
