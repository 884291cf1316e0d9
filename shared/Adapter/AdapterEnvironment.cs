using EscRotators.Configuration;

namespace EscRotators.Adapter;

/// <summary>Reads <see cref="AdapterOptions"/> from the <c>ESC_ROTATOR_*</c> variables, failing loudly on bad values.</summary>
public static class AdapterEnvironment
{
    public const string AudienceVariable = "ESC_ROTATOR_AUDIENCE";
    public const string JwksFileVariable = "ESC_ROTATOR_JWKS_FILE";
    public const string JwksUrlVariable = "ESC_ROTATOR_JWKS_URL";
    public const string JwksCaBundleVariable = "ESC_ROTATOR_JWKS_CA_BUNDLE";
    public const string IssuersVariable = "ESC_ROTATOR_ISSUERS";
    public const string AllowedSubjectsVariable = "ESC_ROTATOR_ALLOWED_SUBJECTS";
    public const string DefaultJwksUrl = "https://api.pulumi.com/oidc/.well-known/jwks";

    public static readonly IReadOnlyList<string> DefaultIssuers = ["https://api.pulumi.com", "https://api.pulumi.com/oidc"];

    /// <summary>The adapter's options, or null when <c>ESC_ROTATOR_AUDIENCE</c> is not set (the adapter is off).</summary>
    public static AdapterOptions? TryRead(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return string.IsNullOrWhiteSpace(environment(AudienceVariable)) ? null : Read(environment);
    }

    /// <summary>The adapter's options; <c>ESC_ROTATOR_AUDIENCE</c> is required.</summary>
    public static AdapterOptions Read(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var audience = environment(AudienceVariable)?.Trim();
        if (string.IsNullOrEmpty(audience))
        {
            throw new InvalidConfigurationException(
                $"{AudienceVariable} is required: set it to the adapter URL exactly as written in the ESC environment");
        }

        var jwksFile = environment(JwksFileVariable) is { Length: > 0 } file && !string.IsNullOrWhiteSpace(file)
            ? ResolveNextToExecutable(file.Trim())
            : null;
        var jwksUrl = new Uri(DefaultJwksUrl);
        if (environment(JwksUrlVariable) is { } urlText && !string.IsNullOrWhiteSpace(urlText))
        {
            if (!Uri.TryCreate(urlText.Trim(), UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidConfigurationException($"{JwksUrlVariable} must be an absolute https:// URL");
            }

            jwksUrl = url;
        }

        return new AdapterOptions
        {
            Audience = audience,
            Issuers = List(environment(IssuersVariable)) is { Count: > 0 } issuers ? issuers : DefaultIssuers,
            AllowedSubjects = [.. List(environment(AllowedSubjectsVariable)).Select(p => new SubjectPattern(p))],
            JwksFile = jwksFile,
            JwksUrl = jwksUrl,
            JwksAuthorities = ReadAuthorities(environment(JwksCaBundleVariable)),
        };
    }

    private static List<string> List(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    // Relative paths resolve next to the executable, where a JWKS ships for a VPC without internet egress.
    private static string ResolveNextToExecutable(string path) =>
        Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);

    private static System.Security.Cryptography.X509Certificates.X509Certificate2Collection? ReadAuthorities(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        return CaBundleFile.Read(JwksCaBundleVariable, path.Trim());
    }
}
