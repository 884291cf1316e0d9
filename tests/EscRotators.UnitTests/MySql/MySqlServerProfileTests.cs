using EscRotators.MySql;

namespace EscRotators.UnitTests.MySql;

public sealed class MySqlServerProfileTests
{
    [TestCase("8.0.36", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.4.3", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("9.1.0", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("5.7.44-log", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.0.36-0ubuntu0.22.04.1", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("8.0.mysql_aurora.3.04.0", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("5.7.mysql_aurora.2.11.2", false, PasswordStatementForm.IdentifiedBy)]
    [TestCase("10.11.19-MariaDB-0+deb12u1-log", true, PasswordStatementForm.NativePasswordHash)]
    [TestCase("11.4.2-MariaDB", true, PasswordStatementForm.NativePasswordHash)]
    [TestCase("5.5.5-10.6.12-MariaDB-1:10.6.12+maria~ubu2004", true, PasswordStatementForm.NativePasswordHash)]
    public void Server_selects_the_statement_form(string serverVersion, bool isMariaDb, PasswordStatementForm form)
    {
        Assert.That(MySqlServerProfile.Detect(serverVersion, isMariaDb)?.StatementForm, Is.EqualTo(form));
    }

    [TestCase("8.0.36", false, MySqlFlavour.MySql8)]
    [TestCase("9.1.0", false, MySqlFlavour.MySql8)]
    [TestCase("8.0.mysql_aurora.3.04.0", false, MySqlFlavour.MySql8)]
    [TestCase("5.7.44-log", false, MySqlFlavour.MySql57)]
    [TestCase("5.7.mysql_aurora.2.11.2", false, MySqlFlavour.MySql57)]
    [TestCase("10.11.19-MariaDB-0+deb12u1-log", true, MySqlFlavour.MariaDb)]
    [TestCase("8.0.36", true, MySqlFlavour.MariaDb)]
    public void Server_selects_the_account_catalog_of_its_flavour(string serverVersion, bool isMariaDb, MySqlFlavour flavour)
    {
        Assert.That(MySqlServerProfile.Detect(serverVersion, isMariaDb)?.Flavour, Is.EqualTo(flavour));
    }

    [TestCase("8.0.36")]
    [TestCase("5.6.51")]
    [TestCase("5.7.44-log")]
    public void A_MariaDB_whose_version_string_says_MySQL_still_gets_the_hash_form(string overriddenVersion)
    {
        Assert.That(MySqlServerProfile.Detect(overriddenVersion, isMariaDb: true)?.StatementForm, Is.EqualTo(PasswordStatementForm.NativePasswordHash));
    }

    [TestCase("5.6.51")]
    [TestCase("5.7.5")]
    [TestCase("5.6.10-log")]
    public void Servers_without_alter_user_identified_by_are_refused(string serverVersion)
    {
        Assert.That(MySqlServerProfile.Detect(serverVersion, isMariaDb: false), Is.Null);
    }
}
