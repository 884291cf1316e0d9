using EscRotators.Protocol;

namespace EscRotators.Rotation;

/// <summary>The outcome of Form B alternation: whom to rotate, and what becomes <c>previous</c>.</summary>
/// <param name="UserToRotate">The user whose password changes; never the current user.</param>
/// <param name="Previous">The old <c>current</c>, returned as <c>previous</c>; null when there was none.</param>
public sealed record RotationPlan(string UserToRotate, WireCredentials? Previous);
