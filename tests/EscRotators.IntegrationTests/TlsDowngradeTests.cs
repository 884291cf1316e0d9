using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// "require and stricter never fall back to plaintext": against an impostor that claims to have no TLS, the
/// rotator replies 400 without ever sending a login. No real database is involved.
/// </summary>
[TestFixture]
public sealed class TlsDowngradeTests
{
    [TestCase(DbEngine.Postgres, "require", Category = "Postgres")]
    [TestCase(DbEngine.Postgres, "verify-ca", Category = "Postgres")]
    [TestCase(DbEngine.Postgres, "verify-full", Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, "require", Category = "MySql")]
    [TestCase(DbEngine.MariaDb, "verify-ca", Category = "MySql")]
    [TestCase(DbEngine.MariaDb, "verify-full", Category = "MySql")]
    public async Task Require_and_stricter_never_fall_back_to_plaintext(DbEngine engine, string mode)
    {
        await using var impostor = PlaintextOnlyServer.Start(engine);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Hostile());
        var newPassword = Secrets.Hostile();
        var evt = ImpostorEvent(engine, impostor.Port, manager, newPassword, mode);

        var result = await InProcessRotator.RunAsync(evt);

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("TLS"));
            Assert.That(impostor.ReceivedText, Does.Not.Contain(manager.Name), "a login was sent over plaintext");
            foreach (var form in Expect.Forms(manager.Password))
            {
                Assert.That(impostor.ReceivedText, Does.Not.Contain(form), "the password was sent over plaintext");
            }
        }

        Expect.NoSecrets(result, manager.Password, newPassword);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_impostor_does_see_a_login_under_mode_disable(DbEngine engine)
    {
        // The control for the test above: the impostor records logins, so silence there means none was sent.
        await using var impostor = PlaintextOnlyServer.Start(engine);
        var manager = new TestUser(Secrets.UniqueName("_mgr"), Secrets.Plain());
        var evt = ImpostorEvent(engine, impostor.Port, manager, Secrets.Plain(), "disable");

        var result = await InProcessRotator.RunAsync(evt);

        Expect.BadRequest(result);
        Assert.That(impostor.ReceivedText, Does.Contain(manager.Name));
        Expect.NoSecrets(result, manager.Password);
    }

    private static JsonObject ImpostorEvent(DbEngine engine, int port, TestUser manager, string newPassword, string mode)
    {
        // A verify mode needs some CA; the impostor never gets as far as presenting a certificate.
        var ca = mode.StartsWith("verify", StringComparison.Ordinal) && TestEnvironment.Get("ESC_TEST_TLS_CA") is { } path
            ? File.ReadAllText(path)
            : null;
        return EventJson.FormA(TestDatabases.TypeOf(engine), "127.0.0.1", port, "esc_test", manager, "user1", "old", newPassword, EventJson.Tls(mode, ca));
    }
}
