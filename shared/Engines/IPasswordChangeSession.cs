namespace EscRotators.Engines;

/// <summary>
/// The managing user's open connection with the rotated user claimed. Disposing it closes the connection, which
/// releases the claim.
/// </summary>
public interface IPasswordChangeSession : IAsyncDisposable
{
    /// <summary>Sets the claimed user's password.</summary>
    Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken);
}
