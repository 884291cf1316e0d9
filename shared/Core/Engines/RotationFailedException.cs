using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>
/// A rotation step failed for a reason the caller can act on. <see cref="Exception.Message"/> is shown to
/// the caller as is, so it must say what to fix and must never contain a password.
/// </summary>
public sealed class RotationFailedException : Exception
{
    public RotationFailedException(RotationFailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public RotationFailureKind Kind { get; }

    /// <summary>
    /// True when the password statement had been sent but no answer came back, so the password may have changed.
    /// </summary>
    public bool OutcomeUnknown { get; init; }

    /// <summary>This failure, marked as having left the password's outcome unknown.</summary>
    public RotationFailedException AsOutcomeUnknown() =>
        OutcomeUnknown ? this : new RotationFailedException(Kind, Message, InnerException) { OutcomeUnknown = true };
}

/// <summary>Why a rotation step failed; drives retries and the reply's wording.</summary>
public enum RotationFailureKind
{
    /// <summary>No connection could be made (refused, unreachable, DNS). Nothing was sent; safe to retry.</summary>
    Unreachable,

    /// <summary>The server did not answer in time.</summary>
    Timeout,

    /// <summary>TLS could not be established or the certificate check failed.</summary>
    Tls,

    /// <summary>The login was refused (wrong password, host not allowed).</summary>
    Authentication,

    /// <summary>The managing user lacks a privilege.</summary>
    Permission,

    /// <summary>The user to rotate does not exist.</summary>
    UnknownUser,

    /// <summary>The request cannot work against this server (bad name, unknown database).</summary>
    InvalidTarget,

    /// <summary>Another rotation of the same user is in progress.</summary>
    Conflict,

    /// <summary>
    /// The user to rotate is the managing user or holds administrative power: its new password would hand whoever
    /// reads the rotated credentials more than the rotated users were meant to have. Refused before any change.
    /// </summary>
    PrivilegedTarget,

    /// <summary>Any other server-side error.</summary>
    ServerError,
}

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

/// <summary>Where in a rotation a database call failed; decides the wording and whether the outcome is known.</summary>
public enum DatabaseStep
{
    /// <summary>Opening the connection and logging in.</summary>
    Connecting,

    /// <summary>Claiming the rotated user with an advisory lock.</summary>
    Claiming,

    /// <summary>Checking that the claimed user is neither the managing user nor an administrative account; nothing has changed yet.</summary>
    CheckingTarget,

    /// <summary>Preparing the password statement; nothing has changed yet.</summary>
    PreparingPassword,

    /// <summary>The password statement was sent: without an answer, the password may or may not have changed.</summary>
    PasswordSent,

    /// <summary>The rotated user's check login (<c>SELECT 1</c>).</summary>
    Verifying,
}
