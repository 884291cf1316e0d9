namespace EscRotators.MySql;

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
