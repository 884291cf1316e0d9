using EscRotators.Engines;

namespace EscRotators.Rotation;

/// <summary>
/// A validated request: everything a rotation needs, nothing left to check, no wire type. One subtype per kind of
/// rotation, so each one's fields exist only where they are set: <see cref="ConnectorRequest"/> (Form A) and
/// <see cref="FullRotationRequest"/> (Form B, and Form C, which the HTTPS adapter reads straight into it).
/// </summary>
public abstract class RotationRequest
{
    private protected RotationRequest(DatabaseEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
    }

    /// <summary>Where to connect, and the managing user.</summary>
    public DatabaseEndpoint Endpoint { get; }
}

/// <summary>Form A: ESC chose the user and the password; the rotator only applies it.</summary>
public sealed class ConnectorRequest : RotationRequest
{
    public ConnectorRequest(DatabaseEndpoint endpoint, string rotateUsername, string newPassword)
        : base(endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(rotateUsername);
        ArgumentException.ThrowIfNullOrEmpty(newPassword);
        RotateUsername = rotateUsername;
        NewPassword = newPassword;
    }

    /// <summary><c>rotateUser.username</c>.</summary>
    public string RotateUsername { get; }

    /// <summary><c>rotateUser.newPassword</c>.</summary>
    public string NewPassword { get; }

    public override string ToString() => $"ConnectorRequest {{ {Endpoint}, {RotateUsername} }}";
}

/// <summary>Alternate <see cref="Username1"/> and <see cref="Username2"/> and generate the password here.</summary>
public sealed class FullRotationRequest : RotationRequest
{
    public FullRotationRequest(
        DatabaseEndpoint endpoint,
        string username1,
        string username2,
        StoredCredential? current,
        StoredCredential? previous,
        PasswordPolicy passwordPolicy)
        : base(endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(username1);
        ArgumentException.ThrowIfNullOrEmpty(username2);
        ArgumentNullException.ThrowIfNull(passwordPolicy);
        Username1 = username1;
        Username2 = username2;
        Current = current;
        Previous = previous;
        PasswordPolicy = passwordPolicy;
    }

    public string Username1 { get; }

    public string Username2 { get; }

    /// <summary>The credentials the caller holds now; null on the first rotation.</summary>
    public StoredCredential? Current { get; }

    /// <summary>The caller's older credentials, if it sent them; only their password matters (it is redacted).</summary>
    public StoredCredential? Previous { get; }

    public PasswordPolicy PasswordPolicy { get; }

    public override string ToString() => $"FullRotationRequest {{ {Endpoint}, {Username1}, {Username2} }}";
}

/// <summary>
/// Credentials as the caller stored them, echoed back as <c>previous</c> exactly as received: either part may be
/// missing. Not a record: its string form must never contain the password.
/// </summary>
public sealed class StoredCredential
{
    public StoredCredential(string? username, string? password)
    {
        Username = username;
        Password = password;
    }

    public string? Username { get; }

    public string? Password { get; }

    public override string ToString() => Username ?? "";
}

/// <summary>What a full rotation leaves the caller holding: the rotated user as current, the old current as previous.</summary>
public sealed record RotationState(Credential Current, StoredCredential? Previous);

/// <summary>The typed result every form's reply is built from: success (with the new state after alternation) or a safe message.</summary>
public sealed class RotationResult
{
    private RotationResult(string? error, RotationState? state)
    {
        Error = error;
        State = state;
    }

    public bool IsSuccess => Error is null;

    /// <summary>Why nothing (or not everything) happened; already redacted. Null on success.</summary>
    public string? Error { get; }

    /// <summary>The new state after a full rotation; null for Form A and on failure.</summary>
    public RotationState? State { get; }

    /// <summary>Form A: the given password is set and logs in.</summary>
    public static RotationResult Applied() => new(null, null);

    public static RotationResult Alternated(RotationState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(null, state);
    }

    public static RotationResult Rejected(string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new(message, null);
    }

    public override string ToString() => IsSuccess ? $"RotationResult {{ ok, {State} }}" : "RotationResult { rejected }";
}

/// <summary>The request is malformed or incomplete; the message names the field and never holds its value.</summary>
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string message)
        : base(message)
    {
    }

    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A bug escaped the dispatcher. Its message is fixed and safe, because the original exception's message could
/// quote input; the original stays as the inner exception for the stack trace in our own log.
/// </summary>
public sealed class UnexpectedRotatorException : Exception
{
    public UnexpectedRotatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
