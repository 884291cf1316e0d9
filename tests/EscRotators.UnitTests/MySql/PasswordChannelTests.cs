using EscRotators.Engines;
using EscRotators.MySql;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.UnitTests.MySql;

/// <summary>
/// Which MySQL accounts are refused before any change because their verification login would hand the password to a
/// server whose certificate the managing connection did not verify. The managing connection is built by the factory
/// the engine uses (not opened): its settings say whether it went over TLS and in which driver mode.
/// </summary>
public sealed class PasswordChannelTests
{
    [TestCase(TlsMode.Disable, false, "caching_sha2_password", true)]
    [TestCase(TlsMode.Disable, false, "sha256_password", true)]
    [TestCase(TlsMode.Disable, false, "authentication_pam", true)]
    [TestCase(TlsMode.Disable, false, "authentication_ldap_simple", true)]
    [TestCase(TlsMode.Prefer, true, "caching_sha2_password", true)]
    [TestCase(TlsMode.Prefer, false, "caching_sha2_password", false)]
    [TestCase(TlsMode.Require, false, "caching_sha2_password", false)]
    [TestCase(TlsMode.VerifyCA, false, "caching_sha2_password", false)]
    [TestCase(TlsMode.VerifyFull, false, "sha256_password", false)]
    [TestCase(TlsMode.Disable, false, "mysql_native_password", false)]
    [TestCase(TlsMode.Disable, false, "authentication_fido", false)]
    public void An_account_is_refused_only_when_its_plugin_sends_the_password_and_the_certificate_was_not_verified(
        TlsMode mode, bool plaintextFallback, string plugin, bool refused)
    {
        var (context, managing) = Managing(mode, plaintextFallback);

        var refusal = PasswordChannel.Refusal(context, managing, plugin);

        Assert.That(refusal is not null, Is.EqualTo(refused), refusal?.Message);
    }

    [Test]
    public void No_plugin_read_is_no_refusal()
    {
        // MariaDB (its password statement makes the account mysql_native_password), or no 'user'@'%' account.
        var (context, managing) = Managing(TlsMode.Disable, plaintextFallback: false);

        Assert.That(PasswordChannel.Refusal(context, managing, plugin: null), Is.Null);
    }

    [Test]
    public void The_refusal_names_the_plugin_in_its_own_spelling_the_account_and_the_modes_that_work()
    {
        var (context, managing) = Managing(TlsMode.Prefer, plaintextFallback: true);

        var refusal = PasswordChannel.Refusal(context, managing, "CACHING_SHA2_PASSWORD");

        Assert.That(refusal, Is.Not.Null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal!.Kind, Is.EqualTo(RotationFailureKind.Tls));
            Assert.That(refusal.Message, Does.Contain("its authentication plugin is caching_sha2_password"));
            Assert.That(refusal.Message, Does.Contain("'app_user'@'%'").And.Contain("db.example:3306"));
            Assert.That(refusal.Message, Does.Contain("the server offered no TLS (tls.mode prefer)"));
            Assert.That(refusal.Message, Does.Contain("verify-full").And.Contain("verify-ca").And.Contain("Nothing was changed"));
        }
    }

    private static (FailureContext Context, MySqlConnection Managing) Managing(TlsMode mode, bool plaintextFallback)
    {
        var endpoint = new DatabaseEndpoint(
            "db.example", 3306, "app", new Credential("manager", "unused"), new TlsSettings(mode, null), TimeSpan.FromSeconds(5));
        var check = new ServerCertificateCheck(endpoint.Tls, endpoint.Host);
        var context = new FailureContext(endpoint, "the managing user 'manager'@'%'", check, "app_user", DatabaseStep.CheckingTarget);
        var connection = MySqlConnectionFactory.Create(endpoint, endpoint.ManagingUser, endpoint.Database, check, plaintextFallback);
        return (context, (MySqlConnection)connection.Connection);
    }
}
