using EscRotators.Engines;

namespace EscRotators.MySql;

/// <summary>What the account catalog says about an account to rotate.</summary>
/// <param name="ManagingAccount">The session's account (<c>CURRENT_USER()</c>), which grants name.</param>
/// <param name="Target">The verdict; null when the managing user may not read the catalog tables the check needs.</param>
/// <param name="Plugin">
/// The authentication plugin of <c>'user'@'%'</c>, the account the password statement changes; null on MariaDB (whose
/// password statement makes the account mysql_native_password), when there is no such account (the statement then
/// fails on its own), or when the catalog was not read.
/// </param>
internal sealed record MySqlTargetVerdict(SessionAccount ManagingAccount, TargetVerdict? Target, string? Plugin = null);
