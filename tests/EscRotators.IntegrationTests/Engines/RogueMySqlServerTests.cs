using EscRotators.IntegrationTests.Faults;
using EscRotators.IntegrationTests.Infrastructure;
using static EscRotators.IntegrationTests.Engines.RogueMySqlServer;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A rogue MySQL server (or a man in the middle) that asks for the password itself gets neither the managing
/// password nor the new one, in any TLS mode that does not verify its certificate. MySqlConnector relaxes its checks
/// for a loopback peer on purpose, so the rogue is reached under a host name the driver treats as remote
/// (<see cref="RemoteLookingHost"/>, pointed at 127.0.0.1 by <see cref="RemoteLookingHostEntry"/>); the controls show
/// that the rogue does recover a password where the driver may send it.
/// </summary>
[TestFixture]
[Category("MySql")]
[NonParallelizable]
public sealed class RogueMySqlServerTests
{
    private const string RotatedUser = "user1";

    private RemoteLookingHostEntry? _host;

    [OneTimeSetUp]
    public void PointTheRemoteLookingNameAtLoopback() => _host = RemoteLookingHostEntry.Add();

    [OneTimeTearDown]
    public void RemoveTheName() => _host?.Dispose();

    [Test]
    public async Task Managing_login_gives_a_rogue_server_no_password(
        [Values("disable", "prefer", "require")] string mode,
        [Values] Attack attack)
    {
        await using var rogue = Start(attack);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var newPassword = Secrets.Plain();

        var (result, _) = await DeadlineRotator.RunAsync(Event(rogue.Port, RemoteLookingHost, manager, newPassword, EventJson.Tls(mode)), TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rogue.Connections, Is.GreaterThanOrEqualTo(1), "the rogue was reached");
            Assert.That(rogue.Recovered, Has.None.Contains(manager.Password).And.None.Contains(newPassword), "a password reached the rogue");
            Assert.That(result.Message, Does.Contain(attack == Attack.DialogSwitch ? "\"dialog\"" : "verify-full"), result.Describe());
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [Test]
    public async Task Verification_login_gives_a_rogue_server_no_password(
        [Values("disable", "prefer")] string mode,
        [Values] Attack attack)
    {
        // The rogue lets the managing login in (a hash-based login, over plaintext: under prefer it offers no TLS, as a
        // man in the middle stripping the offer would) and attacks the next login, the check with the new password.
        await using var rogue = Start(attack, offerTls: false, attackSecondLogin: true);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var newPassword = Secrets.Plain();

        var (result, _) = await DeadlineRotator.RunAsync(Event(rogue.Port, RemoteLookingHost, manager, newPassword, EventJson.Tls(mode)), TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rogue.Connections, Is.EqualTo(2), "the verification login reached the rogue: " + result.Describe());
            Assert.That(rogue.Recovered, Has.None.Contains(manager.Password).And.None.Contains(newPassword), "a password reached the rogue");
            Assert.That(result.Message, Does.Contain("the rotated user"), result.Describe());
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [TestCase(Attack.ClearPasswordSwitch)]
    [TestCase(Attack.Sha256Switch)]
    [TestCase(Attack.CachingSha2FullAuthentication)]
    public async Task Control_a_rogue_on_a_loopback_address_recovers_the_managing_password(Attack attack)
    {
        // The driver trusts a loopback peer: the same rogue at 127.0.0.1 gets the password, so silence above is real.
        await using var rogue = Start(attack, offerTls: false);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());

        await DeadlineRotator.RunAsync(Event(rogue.Port, "127.0.0.1", manager, Secrets.Plain(), EventJson.Tls("disable")), TimeSpan.FromSeconds(10));

        Assert.That(rogue.Recovered, Has.Some.EqualTo(manager.Password));
    }

    [TestCase(Attack.ClearPasswordSwitch)]
    [TestCase(Attack.CachingSha2FullAuthentication)]
    public async Task Control_a_server_whose_certificate_is_verified_receives_the_password_it_asks_for(Attack attack)
    {
        // verify-full with the rogue's own certificate as the CA: the one case in which a remote server may have it.
        await using var rogue = Start(attack);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());

        await DeadlineRotator.RunAsync(
            Event(rogue.Port, RemoteLookingHost, manager, Secrets.Plain(), EventJson.Tls("verify-full", rogue.CertificatePem)),
            TimeSpan.FromSeconds(10));

        Assert.That(rogue.Recovered, Has.Some.EqualTo(manager.Password));
    }

    [TestCase("disable", "caching_sha2_password")]
    [TestCase("prefer", "caching_sha2_password")]
    [TestCase("disable", "sha256_password")]
    public async Task Mysql8_account_whose_next_login_sends_the_password_is_refused_before_any_change_without_a_verified_certificate(string mode, string plugin)
    {
        // A MySQL 8.0 server whose catalog gives the rotated account a plugin whose first login after the change is a
        // full one; it offers no TLS (under prefer: the plaintext fallback), so no certificate was verified.
        await using var rogue = StartServing(RotatedUser, plugin);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var newPassword = Secrets.Plain();

        var (result, _) = await DeadlineRotator.RunAsync(Event(rogue.Port, RemoteLookingHost, manager, newPassword, EventJson.Tls(mode)), TimeSpan.FromSeconds(10));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Received(rogue, "FROM mysql.user"), Is.True, "the catalog was read: " + result.Describe());
            Assert.That(Received(rogue, "ALTER USER") || Received(rogue, "SET PASSWORD"), Is.False, "the password statement was sent");
            Assert.That(rogue.Connections, Is.EqualTo(1), "only the managing user logged in");
            Assert.That(result.Message, Does.Contain($"its authentication plugin is {plugin}"), result.Describe());
            Assert.That(result.Message, Does.Contain("verify-full").And.Contain("verify-ca").And.Contain("Nothing was changed"), result.Describe());
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [Test]
    public async Task Control_a_mysql8_account_on_mysql_native_password_is_rotated_without_a_verified_certificate()
    {
        await using var rogue = StartServing(RotatedUser, "mysql_native_password");
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());

        var (result, _) = await DeadlineRotator.RunAsync(
            Event(rogue.Port, RemoteLookingHost, manager, Secrets.Plain(), EventJson.Tls("disable")),
            TimeSpan.FromSeconds(10));

        Expect.Ok(result);
        Assert.That(Received(rogue, "ALTER USER"), Is.True, result.Describe());
    }

    [TestCase("caching_sha2_password")]
    [TestCase("pam")]
    public async Task Mariadb_account_on_any_plugin_is_rotated_without_a_verified_certificate(string plugin)
    {
        // MariaDB's password statement (IDENTIFIED BY PASSWORD '*hash') makes the account mysql_native_password, so its
        // verification login is a challenge-response one whatever the plugin was: nothing to refuse.
        await using var rogue = StartServing(RotatedUser, plugin, mariaDb: true);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());

        var (result, _) = await DeadlineRotator.RunAsync(
            Event(rogue.Port, RemoteLookingHost, manager, Secrets.Plain(), EventJson.Tls("disable")),
            TimeSpan.FromSeconds(10));

        Expect.Ok(result);
        Assert.That(Received(rogue, "IDENTIFIED BY PASSWORD"), Is.True, result.Describe());
    }

    [TestCase("require")]
    [TestCase("prefer")]
    [TestCase("verify-full")]
    public async Task Mysql8_caching_sha2_account_is_rotated_when_the_managing_connection_verified_the_certificate(string mode)
    {
        // The rogue's own certificate as the CA bundle: under prefer and require the driver's chain check verifies it
        // (the mode alone would say "unverified"), and under verify-full ours does.
        // The verification login's full login then hands the (verified) rogue the new password, and the rotation succeeds.
        await using var rogue = StartServing(RotatedUser, "caching_sha2_password", offerTls: true);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var newPassword = Secrets.Plain();

        var (result, _) = await DeadlineRotator.RunAsync(
            Event(rogue.Port, RemoteLookingHost, manager, newPassword, EventJson.Tls(mode, rogue.CertificatePem)),
            TimeSpan.FromSeconds(10));

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Received(rogue, "ALTER USER"), Is.True, result.Describe());
            Assert.That(rogue.Recovered.SequenceEqual([newPassword]), Is.True, "the verification login's full login gave the rogue the new password, and nothing else");
        }
    }

    // Asked of the statements rather than shown: a failed assertion would print them, the password statement's with it.
    private static bool Received(RogueMySqlServer rogue, string text) =>
        rogue.Statements.Any(statement => statement.Contains(text, StringComparison.Ordinal));

    private static System.Text.Json.Nodes.JsonObject Event(int port, string host, TestUser manager, string newPassword, System.Text.Json.Nodes.JsonObject tls) =>
        EventJson.FormA("mysql", host, port, "app", manager, RotatedUser, "old", newPassword, tls);
}
