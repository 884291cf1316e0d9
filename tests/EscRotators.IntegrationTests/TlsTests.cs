using System.Text.Json.Nodes;
using EscRotators.Configuration;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// TLS to the database. The test servers' certificate is signed by ESC_TEST_TLS_CA and names DNS:localhost only,
/// so "localhost" passes verify-full and "127.0.0.1" passes verify-ca but not verify-full.
/// </summary>
[TestFixture]
public sealed class TlsTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Verify_full_with_the_servers_CA_and_the_name_localhost_succeeds(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(WithHost(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("verify-full", TlsMaterial.Ca)), "localhost"));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Verify_full_with_the_wrong_CA_is_a_400_saying_the_certificate_is_not_trusted(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(WithHost(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("verify-full", TlsMaterial.WrongCa)), "localhost"));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("not trusted"));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing was sent to an untrusted server");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Verify_full_without_a_CA_bundle_does_not_trust_a_private_CA(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);

        // No process-wide CA bundle either (the suite's default trusts the test CA).
        var result = await InProcessRotator.RunAsync(
            WithHost(EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain(), EventJson.Tls("verify-full")), "localhost"),
            options: new RotatorOptions());

        Expect.BadRequest(result);
        Assert.That(result.Message, Does.Contain("not trusted"));
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Verify_full_to_an_IP_address_the_certificate_does_not_name_is_a_400_about_the_host_name(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(WithHost(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("verify-full", TlsMaterial.Ca)), "127.0.0.1"));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("host name").And.Contain("127.0.0.1"));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, "verify-ca", Category = "Postgres")]
    [TestCase(DbEngine.Postgres, "require", Category = "Postgres")]
    [TestCase(DbEngine.Postgres, "prefer", Category = "Postgres")]
    [TestCase(DbEngine.Postgres, "disable", Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, "verify-ca", Category = "MySql")]
    [TestCase(DbEngine.MariaDb, "require", Category = "MySql")]
    [TestCase(DbEngine.MariaDb, "prefer", Category = "MySql")]
    [TestCase(DbEngine.MariaDb, "disable", Category = "MySql")]
    public async Task Each_mode_the_server_can_satisfy_succeeds_against_127_0_0_1(DbEngine engine, string mode)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();
        // MySQL's prefer and require log in only to a server whose chain verifies (docs/protocol.md).
        var needsCa = mode.StartsWith("verify", StringComparison.Ordinal) || (engine == DbEngine.MariaDb && mode is "prefer" or "require");
        var tls = EventJson.Tls(mode, needsCa ? TlsMaterial.Ca : null);

        var result = await InProcessRotator.RunAsync(WithHost(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, tls), "127.0.0.1"));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [TestCase("prefer")]
    [TestCase("require")]
    [Category("MySql")]
    public async Task MariaDb_under_prefer_or_require_with_an_unverifiable_certificate_is_a_400_asking_for_the_CA_bundle(string mode)
    {
        await using var db = await OpenWithTlsAsync(DbEngine.MariaDb);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = Secrets.Plain();

        var untrusted = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls(mode, TlsMaterial.WrongCa)));
        var noBundle = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls(mode)), options: new RotatorOptions());

        Expect.BadRequest(untrusted);
        Expect.BadRequest(noBundle);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(untrusted.Message, Does.Contain("could not be verified").And.Contain("verify-full").And.Contain("CA bundle"), untrusted.Describe());
            Assert.That(noBundle.Message, Does.Contain("could not be verified"), noBundle.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }

        Expect.NoSecrets(untrusted, manager.Password, user.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_B_takes_its_TLS_settings_from_inputs_database_tls(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user1, user2, manager) = await RotationScenario.TwoUsersAsync(db);

        var trusted = EventJson.FormB(db, manager, user1.Name, user2.Name, tls: EventJson.Tls("verify-full", TlsMaterial.Ca));
        trusted["inputs"]!["database"]!["host"] = "localhost";
        var untrusted = EventJson.FormB(db, manager, user1.Name, user2.Name, tls: EventJson.Tls("verify-full", TlsMaterial.WrongCa));
        untrusted["inputs"]!["database"]!["host"] = "localhost";

        var ok = await InProcessRotator.RunAsync(trusted);
        var refused = await InProcessRotator.RunAsync(untrusted);

        Expect.Ok(ok);
        Expect.BadRequest(refused);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(user1.Name, (string)ok.Current!["password"]!), Is.True);
            Assert.That(refused.Message, Does.Contain("not trusted"));
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_environment_sets_the_default_TLS_and_the_request_overrides_it(DbEngine engine)
    {
        await using var db = await OpenWithTlsAsync(engine);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var trustingEnvironment = new Dictionary<string, string>
        {
            ["ESC_ROTATOR_TLS_MODE"] = "verify-full",
            ["ESC_ROTATOR_CA_BUNDLE"] = TlsMaterial.CaPath,
        };
        var distrustingEnvironment = new Dictionary<string, string>
        {
            ["ESC_ROTATOR_TLS_MODE"] = "verify-full",
            ["ESC_ROTATOR_CA_BUNDLE"] = TlsMaterial.WrongCaPath,
        };

        var first = Secrets.Plain();
        var byEnvironment = await BootstrapProcess.RunAsync(
            WithHost(EventJson.FormA(db, manager, user.Name, user.Password, first), "localhost"), trustingEnvironment);
        var refusedByEnvironment = await BootstrapProcess.RunAsync(
            WithHost(EventJson.FormA(db, manager, user.Name, first, Secrets.Plain()), "localhost"), distrustingEnvironment);
        var second = Secrets.Plain();
        var requestWins = await BootstrapProcess.RunAsync(
            WithHost(EventJson.FormA(db, manager, user.Name, first, second, EventJson.Tls("verify-full", TlsMaterial.Ca)), "localhost"),
            distrustingEnvironment);

        Expect.Ok(byEnvironment);
        Expect.BadRequest(refusedByEnvironment);
        Assert.That(refusedByEnvironment.Message, Does.Contain("not trusted"));
        Expect.Ok(requestWins);
        Assert.That(await db.CanLogInAsync(user.Name, second), Is.True);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_role_allowed_only_over_hostssl_rotates_under_the_default_mode()
    {
        await using var db = (PostgresTestDatabase)await OpenWithTlsAsync(DbEngine.Postgres);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await db.AddToGroupAsync(user, "esc_hostssl_only");
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_role_allowed_only_over_hostssl_under_mode_disable_gets_a_400_naming_pg_hba()
    {
        await using var db = (PostgresTestDatabase)await OpenWithTlsAsync(DbEngine.Postgres);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await db.AddToGroupAsync(user, "esc_hostssl_only");
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword, EventJson.Tls("disable")));

        Expect.BadRequest(result);
        // The managing user holds the role WITH ADMIN OPTION, so it is a member of esc_hostssl_only too and is the
        // one refused first; either way the message must point at pg_hba.conf.
        Assert.That(result.Message, Does.Contain("pg_hba.conf"));
        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_role_under_an_md5_pg_hba_line_rotates_and_logs_in()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await db.AddToGroupAsync(user, "esc_md5_login");
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [Test]
    [Category("MySql")]
    public async Task MariaDb_managing_user_created_require_ssl_rotates_under_prefer_and_is_refused_without_tls()
    {
        await using var db = (MariaDbTestDatabase)await OpenWithTlsAsync(DbEngine.MariaDb);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await db.RequireSslAsync(manager);
        var newPassword = Secrets.Hostile();

        var plaintext = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain(), EventJson.Tls("disable")));
        var preferred = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.BadRequest(plaintext);
        Expect.Ok(preferred);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(plaintext.Message, Does.Contain("could not log in"), "REQUIRE SSL refuses the plaintext login");
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
        }

        Expect.NoSecrets(plaintext, manager.Password, user.Password);
        Expect.NoSecrets(preferred, manager.Password, user.Password, newPassword);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_with_md5_password_encryption_still_stores_a_scram_verifier_that_logs_in_under_md5_and_scram_lines()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (md5User, md5Manager) = scenario;
        await db.AddToGroupAsync(md5User, "esc_md5_login");
        await db.UseMd5PasswordEncryptionAsync(manager);
        await db.UseMd5PasswordEncryptionAsync(md5Manager);
        var newPassword = Secrets.Plain();
        var md5NewPassword = Secrets.Plain();

        var scramLine = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));
        var md5Line = await InProcessRotator.RunAsync(EventJson.FormA(db, md5Manager, md5User.Name, md5User.Password, md5NewPassword));

        Expect.Ok(scramLine);
        Expect.Ok(md5Line);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.StoredPasswordKindAsync(user), Is.EqualTo("SCRAM-SHA-256"), "the verifier is stored as sent, whatever password_encryption says");
            Assert.That(await db.StoredPasswordKindAsync(md5User), Is.EqualTo("SCRAM-SHA-256"));
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "scram-sha-256 pg_hba line");
            Assert.That(await db.CanLogInAsync(md5User.Name, md5NewPassword), Is.True, "md5 pg_hba line accepts a SCRAM verifier");
        }
    }

    private static async Task<ITestDatabase> OpenWithTlsAsync(DbEngine engine)
    {
        var db = await TestDatabases.OpenAsync(engine);
        TlsMaterial.Require(db);
        return db;
    }

    private static JsonObject WithHost(JsonObject evt, string host)
    {
        evt["host"] = host;
        return evt;
    }
}
