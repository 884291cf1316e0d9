using System.Globalization;
using System.Text;
using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.IntegrationTests.Faults;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.Rotation;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// MySQL under <c>tls.mode prefer</c>: once a server has offered TLS, later logins of the same process require it
/// (and skip the cleartext guard); a server whose offer is gone is forgotten and served as prefer allows.
/// </summary>
[TestFixture]
[Category("MySql")]
public sealed class PreferredTlsTests
{
    [Test]
    public async Task Prefer_requires_TLS_of_a_server_that_offered_it_and_forgets_it_when_the_offer_is_gone()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.MariaDb);
        Assert.That(db.Tls, Is.True, "the test server offers TLS");
        var user = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user]);
        await using var proxy = FaultProxy.ForwardAll(db.Host, db.Port);
        proxy.Start();

        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var dispatcher = RotatorComposition.CreateDispatcher(
            new RotatorOptions(), SystemTrustStore.FromEnvironment(), new RotatorLogger(new LogSink(log, LogFormat.Text, LogLevel.Debug)));
        var password = user.Password;
        async Task<(RotationResult Result, int Retries)> RotateAsync()
        {
            var newPassword = Secrets.Plain();
            var evt = EventJson.FormA(db.Type, "127.0.0.1", proxy.Port, db.Database, manager, user.Name, password, newPassword, EventJson.Tls("prefer"));
            var before = log.ToString().Length;
            var budget = InvocationBudget.StartingNow(TimeSpan.FromSeconds(30), TimeProvider.System);
            using var replyDue = budget.CancelWhenReplyIsDue();
            var reply = await dispatcher.RotateAsync(EventJson.ToUtf8(evt), "tls-" + Guid.NewGuid().ToString("N")[..12], budget, replyDue.Token);
            var text = log.ToString()[before..];
            var result = RotationResult.From(Encoding.UTF8.GetString(ReplySerializer.Serialize(reply)), text, exitCode: null);
            Expect.Ok(result);
            Expect.NoSecrets(result, manager.Password, password, newPassword);
            password = newPassword;
            return (result, DeadlineRotator.Retries(result));
        }

        var first = await RotateAsync();
        var second = await RotateAsync();
        proxy.StripMySqlTlsOffer = true;
        var stripped = await RotateAsync();
        var afterwards = await RotateAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Retries + second.Retries, Is.Zero, "a server that offers TLS needs no retry: " + first.Result.Log + second.Result.Log);

            // Required TLS refused the stripped greeting before any login went out; the retry went through the guard.
            Assert.That(stripped.Retries, Is.EqualTo(1), "the first login after the offer vanished required TLS: " + stripped.Result.Log);
            Assert.That(afterwards.Retries, Is.Zero, "the server was forgotten: prefer again, through the guard: " + afterwards.Result.Log);
            Assert.That(proxy.TlsOffersStripped, Is.GreaterThanOrEqualTo(5), proxy.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, password), Is.True);
        }
    }
}
