using System.Text.RegularExpressions;

namespace EscRotators.SecretsManager;

/// <summary>Where and as whom the client calls Secrets Manager, and how it retries.</summary>
public sealed partial record SecretsManagerClientOptions(string Region, AwsCredentials Credentials, Uri Endpoint)
{
    /// <summary>Attempts in all, the first included, for throttling, 5xx, timeouts and connection failures.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Full-jitter exponential backoff: attempt n waits a uniform draw in [0, min(MaxRetryDelay, BaseRetryDelay·2ⁿ⁻¹)].</summary>
    public TimeSpan BaseRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>One attempt (send and read the answer) gives up after this; a silent endpoint then costs at most this per attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Answers larger than this are refused unread: a secret is at most 64 KiB, JSON-escaped well below 1 MiB.</summary>
    public int MaxResponseBytes { get; init; } = 1024 * 1024;

    /// <summary>From the variables Lambda sets (<c>AWS_REGION</c>, <c>AWS_ACCESS_KEY_ID</c>, ...); see <see cref="SecretsManagerEndpoint.Resolve"/>.</summary>
    public static SecretsManagerClientOptions FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var region = Required(environment, "AWS_REGION");
        if (!RegionPattern().IsMatch(region))
        {
            throw new SecretsManagerConfigurationException("AWS_REGION must be a region name like us-east-1");
        }
        var credentials = new AwsCredentials(
            Required(environment, "AWS_ACCESS_KEY_ID"),
            Required(environment, "AWS_SECRET_ACCESS_KEY"),
            environment("AWS_SESSION_TOKEN"));
        return new SecretsManagerClientOptions(region, credentials, SecretsManagerEndpoint.Resolve(environment, region).Uri);
    }

    private static string Required(Func<string, string?> environment, string name)
    {
        var value = environment(name)?.Trim();
        return string.IsNullOrEmpty(value)
            ? throw new SecretsManagerConfigurationException($"{name} is not set: Lambda sets it; elsewhere export it")
            : value;
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$")]
    private static partial Regex RegionPattern();

    public override string ToString() =>
        $"SecretsManagerClientOptions {{ Region = {Region}, Endpoint = {Endpoint}, Credentials = {Credentials} }}";
}
