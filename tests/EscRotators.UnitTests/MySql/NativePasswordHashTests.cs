using EscRotators.MySql;

namespace EscRotators.UnitTests.MySql;

public sealed class NativePasswordHashTests
{
    // PASSWORD('password') as MySQL 5.x and MariaDB document it.
    [Test]
    public void Hash_matches_the_servers_password_function()
    {
        Assert.That(NativePasswordHash.Compute("password"), Is.EqualTo("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"));
    }

    [Test]
    public void Hash_never_contains_the_password()
    {
        var hash = NativePasswordHash.Compute("ABCDEF0123");

        Assert.That(hash, Does.Not.Contain("ABCDEF0123"));
        Assert.That(hash, Does.Match("^\\*[0-9A-F]{40}$"));
    }
}
