namespace EscRotators.Engines;

/// <summary>What the server's catalogs say about the user to rotate, read on the managing connection before any change.</summary>
/// <param name="IsManagingUser">The user is the managing session's own user, as the server names it.</param>
/// <param name="Reasons">What gives it administrative power, each in the server's terms for the reply; empty for an ordinary user (or none of that name).</param>
public sealed record TargetVerdict(bool IsManagingUser, IReadOnlyList<string> Reasons);
