using EscRotators.IntegrationTests.Faults;
using EscRotators.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A MariaDB whose version string says MySQL 8.0.36 still gets the hash form of ALTER USER: the flavour is detected
/// from what the server does, so the new password never reaches its general log.
/// </summary>
[TestFixture]
[Category("MySql")]
public sealed class VersionOverrideTests
{
    [Test]
    public async Task A_MariaDB_announcing_a_MySQL_version_gets_the_hash_form_and_logs_no_plaintext()
    {
        await using var server = await VersionOverrideMariaDb.StartAsync();
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var user = new TestUser(Secrets.UniqueName("_user"), Secrets.Plain());
        await using (var root = await server.OpenRootAsync())
        {
            Assert.That(root.ServerVersion, Does.StartWith(VersionOverrideMariaDb.AnnouncedVersion), "the override is in effect");
            await using var setup = new MySqlCommand(
                $"SET SESSION sql_log_off = 1; CREATE DATABASE esc_test; " +
                $"CREATE USER '{manager.Name}'@'%' IDENTIFIED BY '{manager.Password}'; CREATE USER '{user.Name}'@'%' IDENTIFIED BY '{user.Password}'; " +
                $"GRANT ALTER ON esc_test.* TO '{manager.Name}'@'%'; GRANT CREATE USER ON *.* TO '{manager.Name}'@'%'; " +
                string.Join("; ", MySqlCatalogGrants.MariaDb($"'{manager.Name}'@'%'")) + ";",
                root);
            await setup.ExecuteNonQueryAsync();
        }

        var newPassword = Secrets.Plain();
        var evt = EventJson.FormA("mysql", "127.0.0.1", server.Port, "esc_test", manager, user.Name, user.Password, newPassword, EventJson.Tls("disable"));

        var (result, _) = await DeadlineRotator.RunAsync(evt, TimeSpan.FromSeconds(30));

        Expect.Ok(result);
        var log = await File.ReadAllTextAsync(server.GeneralLog);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(log, Does.Contain("IDENTIFIED BY PASSWORD"), "the control: the rotation's ALTER USER is in the general log, in the hash form");
            foreach (var form in Expect.Forms(newPassword))
            {
                Assert.That(log, Does.Not.Contain(form), "the general log holds the new password");
            }
        }
    }
}
