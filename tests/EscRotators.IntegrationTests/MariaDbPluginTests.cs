using EscRotators.IntegrationTests.Infrastructure;
using MySqlConnector;

namespace EscRotators.IntegrationTests;

/// <summary>
/// The check of the rotated account's plugin (a MySQL 8 caching_sha2_password account needs a verified certificate for
/// its first login after the change) leaves MariaDB alone: MariaDB's password statement makes the account
/// mysql_native_password, so even an account on a plugin that asks for the password itself (pam) rotates without a
/// verified certificate, and logs in afterwards by challenge and response.
/// </summary>
[TestFixture]
[Category("MySql")]
[NonParallelizable] // loads the pam plugin server-wide for the fixture
public sealed class MariaDbPluginTests
{
    private const int PluginAlreadyInstalled = 1968; // ER_PLUGIN_INSTALLED

    [TestCase("disable")]
    [TestCase("prefer")]
    public async Task A_mariadb_account_on_pam_is_rotated_without_a_verified_certificate_and_logs_in_with_the_new_password(string mode)
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var installed = await InstallPamAsync(db);
        try
        {
            await db.ExecuteAsync($"ALTER USER {MariaDbTestDatabase.Account(user.Name)} IDENTIFIED VIA pam");
            var newPassword = Secrets.Plain();

            var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls(mode)));

            Expect.Ok(result);
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the account logs in with the new password (mysql_native_password)");
            Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
        }
        finally
        {
            if (installed)
            {
                await db.ExecuteAsync("UNINSTALL SONAME 'auth_pam'");
            }
        }
    }

    // True when this test loaded the plugin (and so unloads it again).
    private static async Task<bool> InstallPamAsync(MariaDbTestDatabase db)
    {
        try
        {
            await db.ExecuteAsync("INSTALL SONAME 'auth_pam'");
            return true;
        }
        catch (MySqlException ex) when (ex.Number == PluginAlreadyInstalled)
        {
            return false;
        }
    }
}
