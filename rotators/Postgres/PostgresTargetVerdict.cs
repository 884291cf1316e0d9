namespace EscRotators.Postgres;

/// <summary>What the catalogs say about a role to rotate.</summary>
/// <param name="IsManagingUser">The role is the session's current or session user.</param>
/// <param name="Reasons">What makes it administrative, in words for the reply; empty for an ordinary role.</param>
internal sealed record PostgresTargetVerdict(bool IsManagingUser, IReadOnlyList<string> Reasons);
