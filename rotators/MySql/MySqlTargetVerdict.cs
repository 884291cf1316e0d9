namespace EscRotators.MySql;

/// <summary>What the account catalog says about an account to rotate.</summary>
/// <param name="ManagingAccount">The session's account (<c>CURRENT_USER()</c>), which grants name.</param>
/// <param name="IsManagingUser">The account to rotate is the session's own user (current or login name, any host).</param>
/// <param name="ReadDenied">The managing user may not read the catalog tables the check needs.</param>
/// <param name="Reasons">What makes it administrative, in words for the reply; empty for an ordinary account.</param>
internal sealed record MySqlTargetVerdict(SessionAccount ManagingAccount, bool IsManagingUser, bool ReadDenied, IReadOnlyList<string> Reasons);
