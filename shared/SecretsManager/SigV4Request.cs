namespace EscRotators.SecretsManager;

/// <summary>
/// What <see cref="SigV4Signer"/> signs: the request line, the headers to sign (in the order they are sent; a name
/// may repeat) and the hex SHA-256 of the body. <see cref="Path"/> is the decoded path; the signer encodes it.
/// <c>x-amz-date</c> and <c>x-amz-security-token</c> are the signer's to add and must not be among the headers.
/// </summary>
public sealed record SigV4Request(
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadSha256Hex);

/// <summary>The headers the signer adds to the request: <c>x-amz-date</c>, the session token when there is one, and <c>Authorization</c>.</summary>
public sealed record SigV4Signature(string AmzDate, string? SecurityToken, string Authorization, string SignedHeaders);
