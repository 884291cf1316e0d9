namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>A database login created for one test. Not a record: its string form (test names, failure text) shows no password.</summary>
public sealed class TestUser
{
    public TestUser(string name, string password)
    {
        Name = name;
        Password = password;
    }

    public string Name { get; }

    public string Password { get; }

    public override string ToString() => Name;
}
