using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// Every request Form C refuses, over both transports, against a real database whose users must be untouched
/// afterwards; no token and no password may reach the log.
/// </summary>
[TestFixture(AdapterTransport.Server)]
[TestFixture(AdapterTransport.FunctionUrl)]
[Category("Adapter")]
[Category("Postgres")]
public sealed class AdapterRefusalTests
{
    private const string DisallowedSubject = "pulumi:environments:org:acme:env:web/app";

    private readonly AdapterTransport _transport;
    private LoopbackCertificate _tls = null!;
    private TestTokenIssuer _issuer = null!;
    private JwksEndpoint _jwks = null!;
    private AdapterEndpoint _adapter = null!;
    private ITestDatabase _db = null!;
    private TestUser _user1 = null!;
    private TestUser _user2 = null!;
    private TestUser _manager = null!;

    public AdapterRefusalTests(AdapterTransport transport) => _transport = transport;

    public static IEnumerable<TestCaseData> Refusals() =>
        RefusedRequests.Names.Select(name => new TestCaseData(name) { TestName = $"Refused: {name}" });

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _tls = LoopbackCertificate.Create();
        _issuer = new TestTokenIssuer();
        _jwks = await JwksEndpoint.StartAsync(_tls, _issuer.Jwks());
        _adapter = await AdapterEndpoint.StartAsync(_transport, AdapterEndpoint.Environment(_jwks.Url, _tls), _tls);
        _db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        (_user1, _user2, _manager) = await RotationScenario.TwoUsersAsync(_db);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _db.DisposeAsync();
        await _adapter.DisposeAsync();
        await _jwks.DisposeAsync();
        _issuer.Dispose();
        _tls.Dispose();
    }

    [TestCaseSource(nameof(Refusals))]
    public async Task Refused_request_gets_its_status_changes_nothing_and_logs_no_secret(string name)
    {
        var body = AdapterRequests.Body(AdapterRequests.Request(_db, _manager, _user1.Name, _user2.Name), null);
        var refused = RefusedRequests.Build(name, _issuer, AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow, DisallowedSubject);

        var reply = await _adapter.SendAsync(refused.Method, refused.Authorization, refused.ContentType, refused.Body);

        var log = _adapter.Log;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply.Status, Is.EqualTo(refused.Status), $"{reply}\nlog:\n{log}");
            Assert.That(reply.ContentType, Is.EqualTo("application/json"));
            Assert.That(JsonNode.Parse(reply.Body)?["error"], Is.Not.Null, "the body is {\"error\": ...}");
            if (refused.Status == 401)
            {
                Assert.That(reply.Body, Is.EqualTo("""{"error":"unauthorized"}"""), "a 401 says only unauthorized");
            }

            Assert.That(await _db.CanLogInAsync(_user1.Name, _user1.Password), Is.True, "user1 keeps its password");
            Assert.That(await _db.CanLogInAsync(_user2.Name, _user2.Password), Is.True, "user2 keeps its password");
            foreach (var part in RefusedRequests.TokenParts(refused.Authorization))
            {
                Assert.That(log, Does.Not.Contain(part), "a token reached the log");
            }

            foreach (var secret in new[] { _manager.Password, _user1.Password, _user2.Password }.SelectMany(Expect.Forms))
            {
                Assert.That(log, Does.Not.Contain(secret), "a password reached the log");
            }
        }
    }

    [Test]
    public async Task A_replayed_token_is_401_and_the_second_request_rotates_nothing()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var body = AdapterRequests.Body(AdapterRequests.Request(db, manager, user1.Name, user2.Name), null);
        var authorization = "Bearer " + _issuer.Token(AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow);

        var first = await _adapter.SendAsync("POST", authorization, "application/json", body);
        var replay = await _adapter.SendAsync("POST", authorization, "application/json", body);

        var password = (string?)JsonNode.Parse(first.Body)?["password"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Status, Is.EqualTo(200), first.ToString());
            Assert.That(replay.Status, Is.EqualTo(401), replay.ToString());
            Assert.That(replay.Body, Is.EqualTo("""{"error":"unauthorized"}"""));
            Assert.That(await db.CanLogInAsync(user1.Name, password!), Is.True, "the first rotation's password still works: the replay changed nothing");
            Assert.That(_adapter.Log, Does.Contain("jti"), "the log says why");
        }
    }
}
