using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// ESC's <c>fn::rotate::external</c> end to end over both transports against real databases: three rotations in a
/// row, each sending the previous response back byte for byte as <c>state</c>; and, like Forms A and B, a
/// <c>rotateUsers</c> that names the managing user or an administrative account is refused with HTTP 400 naming the
/// account, before any change, and no credentials in the body.
/// </summary>
[TestFixture(AdapterTransport.Server)]
[TestFixture(AdapterTransport.FunctionUrl)]
[Category("Adapter")]
public sealed class ExternalRotationTests
{
    private readonly AdapterTransport _transport;
    private LoopbackCertificate _tls = null!;
    private TestTokenIssuer _issuer = null!;
    private JwksEndpoint _jwks = null!;
    private AdapterEndpoint _adapter = null!;

    public ExternalRotationTests(AdapterTransport transport) => _transport = transport;

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
    public async Task Three_rotations_with_the_state_sent_back_verbatim_alternate_the_users_and_previous_still_logs_in(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var request = AdapterRequests.Request(db, manager, user1.Name, user2.Name);
        var secrets = new List<string> { manager.Password, user1.Password, user2.Password };
        var tokens = new List<string>();

        string? state = null;
        string? previousPassword = null;
        string[] expectedUsers = [user1.Name, user2.Name, user1.Name];
        for (var i = 0; i < expectedUsers.Length; i++)
        {
            var body = AdapterRequests.Body(request, state);
            var token = _issuer.Token(AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow);
            tokens.Add(token);
            var reply = await _adapter.SendAsync("POST", "Bearer " + token, "application/json", body);

            Assert.That(reply.Status, Is.EqualTo(200), $"rotation {i + 1}: {reply}\nlog:\n{_adapter.Log}");
            var json = JsonNode.Parse(reply.Body)!.AsObject();
            var username = (string?)json["username"];
            var password = (string?)json["password"];
            secrets.Add(password!);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(reply.ContentType, Is.EqualTo("application/json"));
                Assert.That(username, Is.EqualTo(expectedUsers[i]), $"rotation {i + 1} rotates the user that is not current");
                Assert.That(DateTimeOffset.TryParse((string?)json["rotatedAt"], out _), Is.True, "rotatedAt is a timestamp");
                Assert.That(await db.CanLogInAsync(username!, password!), Is.True, "the new current logs in");
                if (i == 0)
                {
                    Assert.That(json.ContainsKey("previous") && json["previous"] is null, Is.True, "previous is null on the first rotation");
                }
                else
                {
                    Assert.That((string?)json["previous"]?["username"], Is.EqualTo(expectedUsers[i - 1]));
                    Assert.That((string?)json["previous"]?["password"], Is.EqualTo(previousPassword), "previous is the old current");
                    Assert.That(await db.CanLogInAsync(expectedUsers[i - 1], previousPassword!), Is.True, "previous still logs in");
                }
            }

            state = reply.Body;
            previousPassword = password;
        }

        Assert.That(await db.CanLogInAsync(user2.Name, user2.Password), Is.False, "user2's initial password was rotated away");
        Assert.That(_jwks.Requests, Is.EqualTo(1), "the signing keys are fetched once and cached");
        var log = _adapter.Log;
        foreach (var secret in secrets.SelectMany(Expect.Forms))
        {
            Assert.That(log, Does.Not.Contain(secret), "a password reached the log");
        }

        foreach (var part in tokens.SelectMany(t => RefusedRequests.TokenParts("Bearer " + t)))
        {
            Assert.That(log, Does.Not.Contain(part), "a token reached the log");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_managing_user_in_rotateUsers_is_refused_and_keeps_its_password(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (other, manager) = scenario;

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
