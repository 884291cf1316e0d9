namespace EscRotators.MySql;

/// <summary>How the rotator names MySQL accounts.</summary>
internal static class MySqlAccounts
{
    /// <summary>The host part of every rotated account, as Pulumi's Go lambda uses (<c>ALTER USER ?</c> means <c>'user'@'%'</c>).</summary>
    public const string AnyHost = "%";

    /// <summary>An account quoted for display in advice we give (never used to build executed SQL).</summary>
    public static string Display(string user, string host = AnyHost) => $"{Quote(user)}@{Quote(host)}";

    /// <summary>A grantee for display: a MariaDB role (host <c>''</c>) by its name alone, any other as an account.</summary>
    public static string DisplayGrantee(string user, string host) => host.Length == 0 ? Quote(user) : Display(user, host);

    private static string Quote(string text) =>
        "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>An account as <c>CURRENT_USER()</c> or <c>USER()</c> report it: <c>user@host</c>, unquoted.</summary>
internal sealed record SessionAccount(string User, string Host)
{
    /// <summary>Splits at the last <c>@</c>: a user name may hold one, a host name does not.</summary>
    public static SessionAccount Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.LastIndexOf('@');
        return at < 0 ? new SessionAccount(text, "") : new SessionAccount(text[..at], text[(at + 1)..]);
    }

    /// <summary>Quoted for display in advice (never for SQL we run).</summary>
    public override string ToString() => MySqlAccounts.Display(User, Host);
}
