using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>
/// What one database engine must do for a rotation. The core calls <see cref="BeginAsync"/>, sets the password through
/// the returned session, calls <see cref="VerifyLoginAsync"/> while the session is still open, then disposes it; it
/// never replies 200 unless all succeeded. Implementations throw <see cref="RotationFailedException"/> with a message
/// that is safe to show (no secrets) and open no connection that outlives the call or the session.
/// </summary>
public interface IDatabaseEngine
{
    /// <summary>The event <c>type</c> this engine serves: <c>mysql</c> or <c>postgres</c>.</summary>
    string Type { get; }

    /// <summary>
    /// Logs in as the managing user and claims <paramref name="username"/> for this rotation with a non-blocking
    /// advisory lock held until the session is disposed; fails with <see cref="RotationFailureKind.Conflict"/> when
    /// another rotation of the same user holds it.
    /// </summary>
    Task<IPasswordChangeSession> BeginAsync(DatabaseEndpoint endpoint, string username, CancellationToken cancellationToken);

    /// <summary>
    /// Secrets Manager's alternating users: as <see cref="BeginAsync"/> (managing login, claim
    /// <paramref name="username"/>), refusing before any change when <paramref name="username"/> or
    /// <paramref name="grantsFrom"/> is the managing user or holds administrative power. The session's
    /// <see cref="IPasswordChangeSession.SetPasswordAsync"/> creates <paramref name="username"/> when it does not exist
    /// and gives it what <paramref name="grantsFrom"/> holds, as AWS's multi-user rotation does for the engine
    /// (PostgreSQL: membership of <paramref name="grantsFrom"/> on creation only; MySQL-family: every grant, added on
    /// each call, and the TLS requirement), then sets its password.
    /// </summary>
    Task<IPasswordChangeSession> BeginAlternateAsync(DatabaseEndpoint endpoint, string username, string grantsFrom, CancellationToken cancellationToken);

    /// <summary>
    /// Secrets Manager's single user: logs in as the endpoint's managing user and claims that same user; the session
    /// changes the managing user's own password. No privilege refusal: the user only replaces the password it
    /// already holds.
    /// </summary>
    Task<IPasswordChangeSession> BeginOwnPasswordChangeAsync(DatabaseEndpoint endpoint, CancellationToken cancellationToken);

    /// <summary>Logs in as <paramref name="login"/> and runs <c>SELECT 1</c>.</summary>
    Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken);
}

/// <summary>
/// The managing user's open connection with the rotated user claimed. Disposing it closes the connection, which
/// releases the claim.
/// </summary>
public interface IPasswordChangeSession : IAsyncDisposable
{
    /// <summary>Sets the claimed user's password.</summary>
    Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken);
}

/// <summary>What the server's catalogs say about the user to rotate, read on the managing connection before any change.</summary>
/// <param name="IsManagingUser">The user is the managing session's own user, as the server names it.</param>
/// <param name="Reasons">What gives it administrative power, each in the server's terms for the reply; empty for an ordinary user (or none of that name).</param>
public sealed record TargetVerdict(bool IsManagingUser, IReadOnlyList<string> Reasons);

/// <summary>Where to connect and as whom: the managing user's side of a rotation.</summary>
/// <param name="ConnectTimeout">Upper bound for opening one connection, derived from the invocation's remaining time.</param>
public sealed record DatabaseEndpoint(
    string Host,
    int Port,
    string Database,
    Credential ManagingUser,
    TlsSettings Tls,
    TimeSpan ConnectTimeout)
{
    /// <summary>
    /// <see cref="ConnectTimeout"/> in the whole seconds drivers take, rounded down so the driver gives up (and closes
    /// its socket) inside the time we have; at least 1, the smallest the drivers accept.
    /// </summary>
    public int ConnectTimeoutSeconds => (int)Math.Clamp(Math.Floor(ConnectTimeout.TotalSeconds), 1, 1024);

    public override string ToString() => $"{Host}:{Port}/{Database}";
}

/// <summary>A login. Deliberately not a record: its string form must never contain the password.</summary>
public sealed class Credential
{
    public Credential(string username, string password)
    {
        Username = username;
        Password = password;
    }

    public string Username { get; }

    public string Password { get; }

    public override string ToString() => Username;
}
