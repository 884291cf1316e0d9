using System.Security.Cryptography.X509Certificates;

namespace EscRotators.Adapter;

/// <summary>Settings of the HTTPS adapter (Form C), read once at start-up by <see cref="AdapterEnvironment"/>.</summary>
public sealed record AdapterOptions
{
    /// <summary>Form C's body limit; larger bodies get 413 before anything else is read.</summary>
    public const int DefaultMaxBodyBytes = 256 * 1024;

    /// <summary>The adapter URL exactly as written in the ESC environment; a token's <c>aud</c> must name it.</summary>
    public required string Audience { get; init; }

    /// <summary>Accepted <c>iss</c> values (ordinal comparison).</summary>
    public IReadOnlyList<string> Issuers { get; init; } = AdapterEnvironment.DefaultIssuers;

    /// <summary>Glob patterns on <c>sub</c>; empty accepts every subject.</summary>
    public IReadOnlyList<SubjectPattern> AllowedSubjects { get; init; } = [];

    /// <summary>How far a token's times may be off from ours (Form C: at most 60 s).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Longest accepted <c>exp - iat</c>. Pulumi's tokens for external rotators live about an hour (its documented
    /// example: 4000 s); twice that leaves room for a change on Pulumi's side while bounding how long a captured
    /// token, and its <c>jti</c> in another process's replay cache, matters.
    /// </summary>
    public TimeSpan MaxTokenLifetime { get; init; } = TimeSpan.FromHours(2);

    public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>A JWKS file (absolute); when set, <see cref="JwksUrl"/> is not used.</summary>
    public string? JwksFile { get; init; }

    public Uri JwksUrl { get; init; } = new(AdapterEnvironment.DefaultJwksUrl);

    /// <summary>CAs trusted for <see cref="JwksUrl"/> instead of the platform store; null: the platform store.</summary>
    public X509Certificate2Collection? JwksAuthorities { get; init; }

    /// <summary>Longest a JWKS download may take; a slow endpoint is a 503, not a hung request.</summary>
    public TimeSpan JwksFetchTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Least time between two fetches triggered by an unknown <c>kid</c> (or by a failed fetch).</summary>
    public TimeSpan JwksRefetchInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Keys older than this are fetched again on the next request (revoked keys drop out).</summary>
    public TimeSpan JwksLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most token ids remembered at once; a full cache refuses new tokens rather than forget one.</summary>
    public int ReplayCacheCapacity { get; init; } = 100_000;
}
