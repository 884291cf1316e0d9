namespace EscRotators.SecretsManager;

/// <summary>The endpoint the client talks to, and the variable it came from (for messages).</summary>
public sealed record SecretsManagerEndpoint(Uri Uri, string Source)
{
    /// <summary>
    /// In order: <c>AWS_ENDPOINT_URL_SECRETS_MANAGER</c>, <c>AWS_ENDPOINT_URL</c> (both ignored with
    /// <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c>, as the AWS SDKs do), <c>SECRETS_MANAGER_ENDPOINT</c> (what
    /// AWS's rotation templates read), then the regional endpoint, FIPS with <c>AWS_USE_FIPS_ENDPOINT=true</c>.
    /// </summary>
    public static SecretsManagerEndpoint Resolve(Func<string, string?> environment, string region)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrEmpty(region);
        var ignoreConfigured = IsTrue(environment, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
        string[] variables = ignoreConfigured
            ? ["SECRETS_MANAGER_ENDPOINT"]
            : ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL", "SECRETS_MANAGER_ENDPOINT"];
        foreach (var variable in variables)
        {
            var value = environment(variable)?.Trim();
            if (!string.IsNullOrEmpty(value))
            {
                return new SecretsManagerEndpoint(Parse(value, variable), variable);
            }
        }
        var fips = IsTrue(environment, "AWS_USE_FIPS_ENDPOINT");
        var host = fips ? $"secretsmanager-fips.{region}.amazonaws.com" : $"secretsmanager.{region}.amazonaws.com";
        return new SecretsManagerEndpoint(new Uri($"https://{host}/"), fips ? "AWS_REGION (FIPS)" : "AWS_REGION");
    }

    /// <summary>
    /// An absolute https URL with no user info, query or fragment. Plain http only to a loopback address: the body
    /// carries secret values and nothing on the network may read it.
    /// </summary>
    public static Uri Parse(string value, string source)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/")
        {
            throw new SecretsManagerConfigurationException(
                $"{source} must be an https URL with no path, query or credentials, like https://secretsmanager.us-east-1.amazonaws.com");
        }
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new SecretsManagerConfigurationException(
                $"{source} is plain http to {uri.Host}: secret values would cross the network unencrypted; use https");
        }
        return uri;
    }

    private static bool IsTrue(Func<string, string?> environment, string name) =>
        string.Equals(environment(name)?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}
