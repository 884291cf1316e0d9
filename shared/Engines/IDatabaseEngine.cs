namespace EscRotators.Engines;

/// <summary>
/// What one database engine must do for a rotation. The core calls <see cref="SetPasswordAsync"/> and then
/// <see cref="VerifyLoginAsync"/>; it never replies 200 unless both succeeded.
/// Implementations throw <see cref="RotationFailedException"/> with a message that is safe to show (no secrets)
/// and open no connection that outlives the call.
/// </summary>
public interface IDatabaseEngine
{
    /// <summary>The event <c>type</c> this engine serves: <c>mysql</c> or <c>postgres</c>.</summary>
    string Type { get; }

    /// <summary>Logs in as the managing user and sets <paramref name="username"/>'s password.</summary>
    Task SetPasswordAsync(DatabaseEndpoint endpoint, string username, string newPassword, CancellationToken cancellationToken);

    /// <summary>Logs in as <paramref name="login"/> and runs <c>SELECT 1</c>.</summary>
    Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken);
}
