using EscRotators.Engines;

namespace EscRotators.Rotation;

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
