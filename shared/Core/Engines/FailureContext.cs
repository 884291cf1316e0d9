using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>What an engine's error translation needs to say what failed, where, and for whom.</summary>
/// <param name="Who">The login in words, e.g. <c>the managing user "admin"</c>.</param>
/// <param name="RotatedUser">The user the session changes or logs in as.</param>
public sealed record FailureContext(
    DatabaseEndpoint Endpoint,
    string Who,
    ServerCertificateCheck Check,
    string RotatedUser,
    DatabaseStep Step)
{
    /// <summary>The engine's password statement by name, e.g. <c>ALTER ROLE</c>, for messages.</summary>
    public string PasswordStatement { get; init; } = "the password statement";

    public string Address => $"{Endpoint.Host}:{Endpoint.Port}";

    /// <summary>True once the password statement may have reached the server.</summary>
    public bool PasswordStatementSent => Step == DatabaseStep.PasswordSent;
}
