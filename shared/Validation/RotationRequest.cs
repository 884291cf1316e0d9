using EscRotators.Engines;
using EscRotators.Passwords;
using EscRotators.Protocol;

namespace EscRotators.Validation;

/// <summary>A validated event: everything a rotation needs, nothing left to check.</summary>
public sealed class RotationRequest
{
    public required RequestForm Form { get; init; }

    /// <summary>The engine <c>type</c>, lower case.</summary>
    public required string EngineType { get; init; }

    public required DatabaseEndpoint Endpoint { get; init; }

    /// <summary>Form A: the user to rotate. Form B: null (the planner decides).</summary>
    public string? RotateUsername { get; init; }

    /// <summary>Form A: the password ESC chose. Form B: null (generated).</summary>
    public string? NewPassword { get; init; }

    /// <summary>Form B: <c>inputs.rotateUsers.username1</c>.</summary>
    public string? Username1 { get; init; }

    /// <summary>Form B: <c>inputs.rotateUsers.username2</c>.</summary>
    public string? Username2 { get; init; }

    /// <summary>Form B: the state ESC holds now (may be null).</summary>
    public WireState? State { get; init; }

    public PasswordPolicy PasswordPolicy { get; init; } = PasswordPolicy.Default;
}
