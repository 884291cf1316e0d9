using EscRotators.Engines;
using EscRotators.Protocol;

namespace EscRotators.Rotation;

/// <summary>Form B: alternate <see cref="Username1"/> and <see cref="Username2"/> and generate the password here.</summary>
public sealed class FullRotationRequest : RotationRequest
{
    public FullRotationRequest(
        DatabaseEndpoint endpoint,
        string username1,
        string username2,
        WireState? state,
        PasswordPolicy passwordPolicy)
        : base(endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(username1);
        ArgumentException.ThrowIfNullOrEmpty(username2);
        ArgumentNullException.ThrowIfNull(passwordPolicy);
        Username1 = username1;
        Username2 = username2;
        State = state;
        PasswordPolicy = passwordPolicy;
    }

    /// <summary><c>inputs.rotateUsers.username1</c>.</summary>
    public string Username1 { get; }

    /// <summary><c>inputs.rotateUsers.username2</c>.</summary>
    public string Username2 { get; }

    /// <summary>The state the caller holds now; null on the first rotation.</summary>
    public WireState? State { get; }

    public PasswordPolicy PasswordPolicy { get; }

    public override string ToString() => $"FullRotationRequest {{ {Endpoint}, {Username1}, {Username2} }}";
}
