using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// Form C (<c>fn::rotate::external</c>) over both transports refuses, like Forms A and B, a <c>rotateUsers</c> that
/// names the managing user or an administrative account: HTTP 400 naming the account, before any change, and no
/// credentials in the body.
/// </summary>
[TestFixture(AdapterTransport.Server)]
[TestFixture(AdapterTransport.FunctionUrl)]
[Category("Adapter")]
public sealed class PrivilegedTargetAdapterTests
{
    private readonly AdapterTransport _transport;
    private LoopbackCertificate _tls = null!;
    private TestTokenIssuer _issuer = null!;
    private JwksEndpoint _jwks = null!;
    private AdapterEndpoint _adapter = null!;

    public PrivilegedTargetAdapterTests(AdapterTransport transport) => _transport = transport;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _tls = LoopbackCertificate.Create();
        _issuer = new TestTokenIssuer();
        _jwks = await JwksEndpoint.StartAsync(_tls, _issuer.Jwks());
        _adapter = await AdapterEndpoint.StartAsync(_transport, AdapterEndpoint.Environment(_jwks.Url, _tls), _tls);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _adapter.DisposeAsync();
        await _jwks.DisposeAsync();
        _issuer.Dispose();
        _tls.Dispose();
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_managing_user_in_rotateUsers_is_refused_and_keeps_its_password(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var other = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([other]);

        await ExpectRefusedAsync(db, manager, manager, other, "it is the managing user");
    }

    [Test]
    [Category("Postgres")]
    public async Task A_role_that_is_a_member_of_a_superuser_role_is_refused()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var (target, reason) = await PrivilegedTargetTests.PostgresTargetAsync(db, PrivilegedTargetTests.PostgresPower.MemberOfSuperuserRole);
        var other = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([target, other]);

        await ExpectRefusedAsync(db, manager, target, other, "administrative power", reason);
    }

    [Test]
    [Category("MySql")]
    public async Task A_MariaDB_account_with_all_privileges_is_refused()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var (target, reason) = await PrivilegedTargetTests.MariaDbTargetAsync(db, PrivilegedTargetTests.MariaDbPower.AllPrivileges);
        var other = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([target, other]);

        await ExpectRefusedAsync(db, manager, target, other, "administrative power", reason);
    }

    // Without state the adapter rotates username1, the account under test.
    private async Task ExpectRefusedAsync(ITestDatabase db, TestUser manager, TestUser target, TestUser other, params string[] reasons)
    {
        var body = AdapterRequests.Body(AdapterRequests.Request(db, manager, target.Name, other.Name), previousResponse: null);
        var reply = await _adapter.SendAsync("POST", "Bearer " + _issuer.Token(AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow), "application/json", body);

        Assert.That(reply.Status, Is.EqualTo(400), $"{reply}\nlog:\n{_adapter.Log}");
        var json = JsonNode.Parse(reply.Body)!.AsObject();
        var error = (string?)json["error"] ?? "";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error, Does.StartWith("refusing to rotate").And.Contain(target.Name).And.Contain("Nothing was changed"), reply.ToString());
            foreach (var reason in reasons)
            {
                Assert.That(error, Does.Contain(reason), reply.ToString());
            }

            Assert.That(json.Select(p => p.Key), Is.EqualTo(new[] { "error" }), "no credentials in a refusal");
            Assert.That(await db.CanLogInAsync(target.Name, target.Password), Is.True, "the account named keeps its password");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
            Assert.That(await db.CanLogInAsync(other.Name, other.Password), Is.True, "the other user keeps its password");
        }

        foreach (var secret in new[] { manager.Password, target.Password, other.Password }.SelectMany(Expect.Forms))
        {
            Assert.That(reply.Body + _adapter.Log, Does.Not.Contain(secret), "a password reached the reply or the log");
        }
    }
}
