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

    // MariaDB 10.11 on a utf8mb4 connection: SELECT PASSWORD('pässwörd-€'). A hash of any other encoding of the
    // password would not log in.
    [Test]
    public void Hash_of_a_non_ascii_password_matches_the_servers_password_function_on_its_utf8_bytes()
    {
        Assert.That(NativePasswordHash.Compute("pässwörd-€"), Is.EqualTo("*59F6D8CC82EED7478C442A935A518429583A6047"));
    }
}
