using EscRotators.Tls;

namespace EscRotators.Configuration;

/// <summary>Reads <see cref="RotatorOptions"/> from environment variables, failing loudly on bad values.</summary>
public static class RotatorEnvironment
{
    public const string TlsModeVariable = "ESC_ROTATOR_TLS_MODE";
    public const string CaBundleVariable = "ESC_ROTATOR_CA_BUNDLE";

    public static RotatorOptions Read(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;

        var mode = TlsMode.Prefer;
        var modeText = environment(TlsModeVariable);
        if (!string.IsNullOrWhiteSpace(modeText) && !TlsModeNames.TryParse(modeText, out mode))
        {
            throw new InvalidConfigurationException($"{TlsModeVariable} must be one of: {TlsModeNames.Accepted}");
        }

        var bundlePath = environment(CaBundleVariable);
        var authorities = string.IsNullOrWhiteSpace(bundlePath) ? null : CaBundleFile.Read(CaBundleVariable, bundlePath);
        return new RotatorOptions { DefaultTls = new TlsSettings(mode, authorities) };
    }
}
