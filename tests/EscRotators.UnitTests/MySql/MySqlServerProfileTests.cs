using EscRotators.MySql;

namespace EscRotators.UnitTests.MySql;

public sealed class MySqlServerProfileTests
{
    [TestCase("8.0.36", MySqlServerFlavor.MySql, "8.0.36", PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.4.3", MySqlServerFlavor.MySql, "8.4.3", PasswordStatementForm.IdentifiedBy)]
    [TestCase("9.1.0", MySqlServerFlavor.MySql, "9.1.0", PasswordStatementForm.IdentifiedBy)]
    [TestCase("5.7.44-log", MySqlServerFlavor.MySql, "5.7.44", PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.0.36-0ubuntu0.22.04.1", MySqlServerFlavor.MySql, "8.0.36", PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.0.mysql_aurora.3.04.0", MySqlServerFlavor.AuroraMySql, "8.0", PasswordStatementForm.IdentifiedBy)]
    [TestCase("5.7.mysql_aurora.2.11.2", MySqlServerFlavor.AuroraMySql, "5.7", PasswordStatementForm.IdentifiedBy)]
    [TestCase("10.11.19-MariaDB-0+deb12u1-log", MySqlServerFlavor.MariaDb, "10.11.19", PasswordStatementForm.NativePasswordHash)]
    [TestCase("11.4.2-MariaDB", MySqlServerFlavor.MariaDb, "11.4.2", PasswordStatementForm.NativePasswordHash)]
    [TestCase("5.5.5-10.6.12-MariaDB-1:10.6.12+maria~ubu2004", MySqlServerFlavor.MariaDb, "10.6.12", PasswordStatementForm.NativePasswordHash)]
    [TestCase("10.6.14-MariaDB-log", MySqlServerFlavor.MariaDb, "10.6.14", PasswordStatementForm.NativePasswordHash)]
    public void Version_string_selects_flavour_and_statement_form(string serverVersion, MySqlServerFlavor flavor, string version, PasswordStatementForm form)
    {
        var profile = MySqlServerProfile.FromVersion(serverVersion);

        Assert.That(profile, Is.Not.Null);
        Assert.That(profile!.Flavor, Is.EqualTo(flavor));
        Assert.That(profile.Version, Is.EqualTo(Version.Parse(version)));
        Assert.That(profile.StatementForm, Is.EqualTo(form));
    }

    [TestCase("5.6.51")]
    [TestCase("5.7.5")]
    [TestCase("5.6.10-log")]
    public void Servers_without_alter_user_identified_by_are_refused(string serverVersion)
    {
        Assert.That(MySqlServerProfile.FromVersion(serverVersion), Is.Null);
    }
}
