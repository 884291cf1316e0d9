namespace EscRotators.Engines;

/// <summary>A login. Deliberately not a record: its string form must never contain the password.</summary>
public sealed class Credential
{
    public Credential(string username, string password)
    {
        Username = username;
        Password = password;
    }

    public string Username { get; }

    public string Password { get; }

    public override string ToString() => Username;
}
