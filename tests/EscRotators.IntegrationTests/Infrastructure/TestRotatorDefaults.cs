using EscRotators.Configuration;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The rotator's process-wide settings in this suite: TLS <c>prefer</c> trusting the test servers' CA, as a deployment
/// ships its database's CA bundle (<c>ESC_ROTATOR_CA_BUNDLE</c>). MySQL's <c>prefer</c> logs in only to a server whose
/// chain verifies against it (docs/protocol.md); tests of an untrusted server say so in their event.
/// </summary>
internal static class TestRotatorDefaults
{
    private static readonly Lazy<TlsSettings> Tls = new(() =>
        new TlsSettings(TlsMode.Prefer, TestEnvironment.Get("ESC_TEST_TLS_CA") is { } path ? CaBundle.TryParse(File.ReadAllText(path)) : null));

    public static RotatorOptions Options => new() { DefaultTls = Tls.Value };

    /// <summary>Sets <c>ESC_ROTATOR_CA_BUNDLE</c> for a rotator process, unless the test sets it itself.</summary>
    public static void AddTo(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!environment.ContainsKey(RotatorEnvironment.CaBundleVariable) && TestEnvironment.Get("ESC_TEST_TLS_CA") is { } path)
        {
            environment[RotatorEnvironment.CaBundleVariable] = path;
        }
    }
}
