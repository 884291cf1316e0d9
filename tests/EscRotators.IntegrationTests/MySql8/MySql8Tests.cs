using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.MySql;
using MySqlConnector;

namespace EscRotators.IntegrationTests.MySql8;

/// <summary>
/// Oracle MySQL 8.0 and 8.4 in Testcontainers containers (<see cref="MySql8Server"/>), with accounts on the default
/// plugin, caching_sha2_password. ALTER USER empties the server's cache for the account, so the rotator's
/// verification login is a full authentication: it needs a secure channel (TLS, preferred by default), because the
/// rotator never fetches the server's RSA key over plaintext. Without a Docker engine these tests are ignored with the
/// reason; scripts/test.sh then leaves them out (<c>Category!=Docker</c>) and says so.
/// Categories "MySql8" and "Docker", not "MySql": the MariaDB runs' filters do not select them.
/// </summary>
[TestFixture(MySql8Server.MySql80)]
[TestFixture(MySql8Server.MySql84)]
[Category("MySql8")]
[Category("Docker")]
[NonParallelizable] // the general log is server-wide
public sealed class MySql8Tests
{
    private readonly string _image;

    public MySql8Tests(string image)
    {
        _image = image;
    }

    [Test]
    public async Task Form_A_rotates_and_the_first_login_with_the_new_password_is_a_caching_sha2_full_authentication_over_TLS()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user1, user2, manager) = await RotationScenario.TwoUsersAsync(db);
        Assert.That(await db.PluginOfAsync(user1.Name), Is.EqualTo(MySql8TestDatabase.DefaultPlugin), "rotated users are on the server's default plugin");

        // Fill the server's cache with the old password: ALTER USER must empty it, and the next login authenticate in full.
        Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.True, "user1 logs in before the rotation");
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user1.Name, user1.Password, newPassword));

        Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
        var login = await db.LogInAsync(user1.Name, newPassword, MySqlSslMode.Preferred);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(login.LoggedIn, Is.True, "the rotated user logs in with newPassword");
            Assert.That(login.TlsCipher, Is.Not.Empty, "the server offers TLS and the login (like the rotator's, TLS preferred) used it");
            Assert.That(await db.PluginOfAsync(user1.Name), Is.EqualTo(MySql8TestDatabase.DefaultPlugin), "the rotation keeps the account's plugin");
            Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.False, "the old password is refused");
            Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "the second user is untouched");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
        }

        Expect.NoSecrets(result, newPassword, user1.Password, manager.Password);
    }

    [Test]
    public async Task Form_A_through_the_bootstrap_process_logs_in_over_TLS_with_caching_sha2()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var result = await BootstrapProcess.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.Zero, result.Describe());
            Assert.That(result.ReplyJson, Is.EqualTo("""{"code":200,"message":"ok"}"""), result.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.False, "the old password is refused");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    public async Task Form_B_alternates_the_two_users_and_both_logins_keep_working()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user1, user2, manager) = await RotationScenario.TwoUsersAsync(db);

        JsonNode? state = null;
        string[] expected = [user1.Name, user2.Name, user1.Name];
        for (var i = 0; i < expected.Length; i++)
        {
            var result = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, user1.Name, user2.Name, state?.DeepClone()));

            Expect.Ok(result);
            var current = result.Current!;
            var password = (string)current["password"]!;
            using (Assert.EnterMultipleScope())
            {
                Assert.That((string?)current["username"], Is.EqualTo(expected[i]), $"rotation {i + 1} rotates {expected[i]}");
                Assert.That(await db.CanLogInAsync(expected[i], password), Is.True, $"rotation {i + 1}: current logs in");
                Assert.That(await db.PluginOfAsync(expected[i]), Is.EqualTo(MySql8TestDatabase.DefaultPlugin), $"rotation {i + 1}: the plugin is kept");
                if (i == 0)
                {
                    Assert.That(result.Previous, Is.Null, "the first rotation has no previous");
                    Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.True, "user2 is untouched by the first rotation");
                }
                else
                {
                    Assert.That(JsonNode.DeepEquals(result.Previous, state!["current"]), Is.True, $"rotation {i + 1}: previous is the old current");
                    Assert.That(
                        await db.CanLogInAsync((string)result.Previous!["username"]!, (string)result.Previous["password"]!),
                        Is.True,
                        $"rotation {i + 1}: previous still logs in");
                }
            }

            Expect.NoSecrets(result, manager.Password, user1.Password, user2.Password);
            state = result.State!.DeepClone();
        }
    }

    [Test]
    public async Task With_tls_disabled_a_caching_sha2_account_is_refused_before_any_change_naming_its_plugin_and_the_verifying_modes()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user, manager) = await RotationScenario.OneUserAsync(db);

        // A TLS login caches the managing user's password, so its plaintext login takes the fast path and the
        // rotation reaches the catalog check, which sees that the verification login (cache emptied by ALTER USER)
        // would need a full authentication, over a connection whose certificate nobody verified.
        Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user logs in over TLS first");
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(
            EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("disable")));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("its authentication plugin is caching_sha2_password"), "names the plugin: " + result.Describe());
            Assert.That(result.Message, Does.Contain("verify-full").And.Contain("verify-ca"), "says which setting fixes it: " + result.Describe());
            Assert.That(result.Message, Does.Contain("Nothing was changed"), result.Describe());
            Assert.That(result.Message, Does.Contain(user.Name), "names the rotated user: " + result.Describe());
            Assert.That(result.Message, Does.Not.Contain("AllowPublicKeyRetrieval"), "no driver setting the caller cannot change: " + result.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "the rotated user keeps its old password");
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.False, "the new password was never set");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    public async Task With_tls_disabled_and_nothing_cached_the_managing_users_login_gets_the_same_advice_and_nothing_changes()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(
            EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("disable")));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("caching_sha2_password"), result.Describe());
            Assert.That(result.Message, Does.Contain("tls.mode"), result.Describe());
            Assert.That(result.Message, Does.Contain(manager.Name), "names the managing user: " + result.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "the rotated user keeps its old password");
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.False, "the new password was never set");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    public async Task The_general_log_never_holds_a_password_because_MySQL_rewrites_IDENTIFIED_BY()
    {
        await using var db = await MySql8TestDatabase.OpenAsync(_image);
        var (user1, user2, manager) = await RotationScenario.TwoUsersAsync(db);
        var hostilePassword = Secrets.Hostile();
        var marker = Secrets.UniqueName("_marker");

        List<string> log;
        string generatedPassword;
        await using (var admin = await db.Server.OpenAdminAsync())
        {
            var (output, enabled) = await ReadGeneralLogSettingsAsync(admin);
            await ExecuteAsync(admin, "SET GLOBAL log_output = 'TABLE'");
            await ExecuteAsync(admin, "TRUNCATE TABLE mysql.general_log");
            await ExecuteAsync(admin, "SET GLOBAL general_log = 'ON'");
            try
            {
                await db.LogMarkerAsync(marker);
                var formA = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user1.Name, user1.Password, hostilePassword));
                Expect.Ok(formA);
                var formB = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, user1.Name, user2.Name));
                Expect.Ok(formB);
                generatedPassword = (string)formB.Current!["password"]!;
                log = await ReadGeneralLogAsync(admin);
            }
            finally
            {
                await ExecuteAsync(admin, "SET GLOBAL general_log = " + (enabled ? "'ON'" : "'OFF'"));
                await ExecuteAsync(admin, "SET GLOBAL log_output = " + MySql8TestDatabase.QuoteString(output));
            }
        }

        Assert.That(log.Any(line => line.Contains(marker, StringComparison.Ordinal)), Is.True, "the general log recorded this test's statements");
        Assert.That(
            log.Any(line => line.Contains("ALTER USER", StringComparison.OrdinalIgnoreCase) && line.Contains(user1.Name, StringComparison.Ordinal)),
            Is.True,
            "the general log recorded the rotator's ALTER USER");
        foreach (var secret in new[] { hostilePassword, generatedPassword, user1.Password, user2.Password, manager.Password })
        {
            foreach (var form in Expect.Forms(secret))
            {
                var leaks = log.Where(line => line.Contains(form, StringComparison.Ordinal)).ToList();
                Assert.That(leaks, Is.Empty, "the general log holds a password in " + leaks.Count + " statement(s)");
            }
        }
    }

    [Test]
    public async Task The_server_profile_is_MySql_with_the_IDENTIFIED_BY_form()
    {
        var server = await MySql8Server.GetAsync(_image);
        await using var connection = await server.OpenAdminAsync();

        await using var probe = new MySqlConnector.MySqlCommand("SELECT 0 /*M! + 1 */", connection);
        var isMariaDb = Convert.ToInt64(await probe.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        var profile = MySqlServerProfile.Detect(connection.ServerVersion, isMariaDb);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(isMariaDb, Is.False, "MySQL skips /*M! */ comments: " + connection.ServerVersion);
            Assert.That(profile?.StatementForm, Is.EqualTo(PasswordStatementForm.IdentifiedBy), connection.ServerVersion);
        }
    }

    private static async Task<(string Output, bool Enabled)> ReadGeneralLogSettingsAsync(MySqlConnection admin)
    {
        await using var command = new MySqlCommand("SELECT @@GLOBAL.log_output, @@GLOBAL.general_log", admin);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetString(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) != 0);
    }

    // argument is a MEDIUMBLOB; rewritten ALTER USER lines may hold hash bytes that are not UTF-8.
    private static async Task<List<string>> ReadGeneralLogAsync(MySqlConnection admin)
    {
        var lines = new List<string>();
        await using var command = new MySqlCommand("SELECT argument FROM mysql.general_log", admin);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (!reader.IsDBNull(0))
            {
                lines.Add(Encoding.UTF8.GetString((byte[])reader.GetValue(0)));
            }
        }

        return lines;
    }

    private static async Task ExecuteAsync(MySqlConnection admin, string sql)
    {
        await using var command = new MySqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }
}
