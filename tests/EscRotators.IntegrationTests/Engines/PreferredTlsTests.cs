using EscRotators.IntegrationTests.Faults;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// MySQL under <c>tls.mode prefer</c> against a real server whose TLS offer is stripped on the way (as a server without
/// TLS, or a man in the middle, would show it): the rotation goes ahead over plaintext with hash-based logins only;
/// <c>require</c> refuses the same path before any login.
/// </summary>
[TestFixture]
[Category("MySql")]
public sealed class PreferredTlsTests
{
    [Test]
    public async Task Prefer_rotates_over_plaintext_when_the_server_offers_no_TLS_and_require_refuses()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.MariaDb);
        Assert.That(db.Tls, Is.True, "the test server offers TLS");
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port);
        proxy.StripMySqlTlsOffer = true;
        proxy.Start();
        var newPassword = Secrets.Plain();

        var required = await InProcessRotator.RunAsync(EventJson.FormA(db.Type, "127.0.0.1", proxy.Port, db.Database, manager, user.Name, user.Password, Secrets.Plain(), EventJson.Tls("require", TlsMaterial.Ca)));
        var preferred = await InProcessRotator.RunAsync(EventJson.FormA(db.Type, "127.0.0.1", proxy.Port, db.Database, manager, user.Name, user.Password, newPassword, EventJson.Tls("prefer", TlsMaterial.Ca)));

        Expect.BadRequest(required);
        Expect.Ok(preferred);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(required.Message, Does.Contain("TLS"), required.Describe());
            Assert.That(proxy.TlsOffersStripped, Is.GreaterThanOrEqualTo(3), proxy.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
        }

        Expect.NoSecrets(required, manager.Password, user.Password);
        Expect.NoSecrets(preferred, manager.Password, user.Password, newPassword);
    }
}
