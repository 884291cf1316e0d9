namespace EscRotators.SecretsManager;

/// <summary>
/// An access key as Lambda hands it to the function (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// <c>AWS_SESSION_TOKEN</c>). <see cref="ToString"/> names the key id only: the secret and the token never print.
/// </summary>
public sealed record AwsCredentials
{
    public AwsCredentials(string accessKeyId, string secretAccessKey, string? sessionToken = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentException.ThrowIfNullOrEmpty(secretAccessKey);
        AccessKeyId = accessKeyId;
        SecretAccessKey = secretAccessKey;
        SessionToken = string.IsNullOrEmpty(sessionToken) ? null : sessionToken;
    }

    public string AccessKeyId { get; }

    public string SecretAccessKey { get; }

    public string? SessionToken { get; }

    public override string ToString() =>
        $"AwsCredentials {{ AccessKeyId = {AccessKeyId}, SessionToken = {(SessionToken is null ? "none" : "set")} }}";
}
