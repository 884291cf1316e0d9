using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Adapter;
using EscRotators.Tests.Adapter;

namespace EscRotators.UnitTests.Adapter;

public sealed class ExternalRotationAdapterTests
{
    private AdapterHarness _harness = null!;

    [SetUp]
    public void SetUp() => _harness = new AdapterHarness(new AdapterOptions
    {
        Audience = AdapterHarness.Audience,
        AllowedSubjects = [new SubjectPattern("pulumi:environments:org:acme:env:db/*")],
    });

    [TearDown]
    public void TearDown() => _harness.Dispose();

    [Test]
    public async Task Signed_request_rotates_username1_first_and_answers_Form_C()
    {
        var body = AdapterHarness.Body();

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Token(body));

        Assert.That(response.StatusCode, Is.EqualTo(200), Text(response));
        var json = JsonNode.Parse(response.Body)!.AsObject();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)json["username"], Is.EqualTo("user1"));
            Assert.That((string?)json["password"], Has.Length.EqualTo(32));
            Assert.That(json.ContainsKey("previous") && json["previous"] is null, Is.True, "previous is null on the first rotation");
            Assert.That((string?)json["rotatedAt"], Is.EqualTo("2026-11-30T02:00:00Z"));
            Assert.That(_harness.MySql.SetCalls.Single().Username, Is.EqualTo("user1"));
            Assert.That(response.Subject, Is.EqualTo(TestTokenIssuer.Subject));
        }
    }

    [Test]
    public async Task State_sent_back_verbatim_alternates_the_users_and_returns_the_old_current_as_previous()
    {
        var first = AdapterHarness.Body();
        var firstResponse = await _harness.PostAsync(first, "Bearer " + _harness.Token(first));
        var state = JsonNode.Parse(firstResponse.Body);

        var second = AdapterHarness.Body(state);
        var secondResponse = await _harness.PostAsync(second, "Bearer " + _harness.Token(second));

        Assert.That(secondResponse.StatusCode, Is.EqualTo(200), Text(secondResponse));
        var json = JsonNode.Parse(secondResponse.Body)!.AsObject();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)json["username"], Is.EqualTo("user2"));
            Assert.That((string?)json["previous"]?["username"], Is.EqualTo("user1"));
            Assert.That((string?)json["previous"]?["password"], Is.EqualTo((string?)state!["password"]));
            Assert.That(_harness.MySql.SetCalls.Select(c => c.Username), Is.EqualTo(new[] { "user1", "user2" }));
        }
    }

    [Test]
    public async Task Replayed_token_is_401_and_rotates_nothing_the_second_time()
    {
        var body = AdapterHarness.Body();
        var token = _harness.Token(body);

        var first = await _harness.PostAsync(body, "Bearer " + token);
        var second = await _harness.PostAsync(body, "Bearer " + token);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.StatusCode, Is.EqualTo(200));
            Assert.That(second.StatusCode, Is.EqualTo(401));
            Assert.That(_harness.MySql.SetCalls, Has.Count.EqualTo(1));
            Assert.That(_harness.Log.ToString(), Does.Contain("jti"));
        }
    }

    public static IEnumerable<TestCaseData> Rejections() =>
        RefusedRequests.Names.Select(name => new TestCaseData(name) { TestName = $"Refused: {name}" });

    [TestCaseSource(nameof(Rejections))]
    public async Task Refused_requests_get_their_status_rotate_nothing_and_log_no_token(string name)
    {
        var refused = RefusedRequests.Build(
            name, _harness.Issuer, AdapterHarness.Audience, AdapterHarness.Body(), _harness.Time.GetUtcNow(), "pulumi:environments:org:acme:env:web/app");

        var response = await _harness.PostAsync(refused.Body, refused.Authorization, refused.ContentType ?? "", refused.Method);

        var log = _harness.Log.ToString();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(refused.Status), Text(response) + "\n" + log);
            Assert.That(_harness.MySql.BeginCalls, Is.Zero, "nothing was rotated");
            Assert.That(log, Does.Contain("request refused").And.Contain($"status={refused.Status}"));
            Assert.That(log, Does.Not.Contain("managing-secret-1234"), "no password in the log");
            foreach (var part in RefusedRequests.TokenParts(refused.Authorization))
            {
                Assert.That(log, Does.Not.Contain(part), "no token in the log");
            }
        }

        if (refused.Status == 401)
        {
            Assert.That(Text(response), Is.EqualTo("""{"error":"unauthorized"}"""), "a 401 says only unauthorized");
        }
    }

    [TestCaseSource(typeof(AdapterEnvironment), nameof(AdapterEnvironment.DefaultIssuers))]
    public async Task A_token_from_each_default_issuer_rotates(string issuer)
    {
        var body = AdapterHarness.Body();

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Issuer.Token(AdapterHarness.Audience, body, _harness.Time.GetUtcNow(), issuer));

        Assert.That(response.StatusCode, Is.EqualTo(200), _harness.Log.ToString());
    }

    [TestCase(7200, 200)]
    [TestCase(7201, 401)]
    public async Task Tokens_may_live_two_hours_and_not_a_second_longer(int lifetimeSeconds, int status)
    {
        var body = AdapterHarness.Body();
        var now = _harness.Time.GetUtcNow().ToUnixTimeSeconds();
        var claims = TestTokenIssuer.Claims(AdapterHarness.Audience, body, _harness.Time.GetUtcNow());
        claims["iat"] = now + 60 - lifetimeSeconds;
        claims["exp"] = now + 60;

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Issuer.Sign(TestTokenIssuer.Header(_harness.Issuer.KeyId), claims));

        Assert.That(response.StatusCode, Is.EqualTo(status), _harness.Log.ToString());
        if (status == 401)
        {
            Assert.That(_harness.Log.ToString(), Does.Contain("lives longer than 120 minutes"));
        }
    }

    [Test]
    public async Task Out_of_range_times_are_401_with_the_reason_in_the_log_not_an_exception()
    {
        var body = AdapterHarness.Body();
        var claims = TestTokenIssuer.Claims(AdapterHarness.Audience, body, _harness.Time.GetUtcNow());
        claims["exp"] = 1e300;

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Issuer.Sign(TestTokenIssuer.Header(_harness.Issuer.KeyId), claims));

        Assert.That(response.StatusCode, Is.EqualTo(401));
        Assert.That(_harness.Log.ToString(), Does.Contain("the token exp is not a whole number of seconds between 1970 and 9999"));
    }

    [Test]
    public async Task A_token_replayed_on_another_instance_can_only_repeat_its_own_rotation()
    {
        // A second process (a restart, another Lambda environment or server) trusts the same keys but has its own
        // replay cache: what stops a replay there is body_hash, which pins the token to the one body it was signed for.
        using var other = new AdapterHarness(_harness.Options);
        other.Source.Document = _harness.Issuer.Jwks();
        var body = AdapterHarness.Body();
        var token = "Bearer " + _harness.Token(body);
        var otherBody = AdapterHarness.Body(JsonNode.Parse("""{"username":"user1","password":"stolen-state-1234"}"""));

        var first = await _harness.PostAsync(body, token);
        var sameBodyElsewhere = await other.PostAsync(body, token);
        var otherBodyElsewhere = await other.PostAsync(otherBody, token);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.StatusCode, Is.EqualTo(200));
            Assert.That(sameBodyElsewhere.StatusCode, Is.EqualTo(200), "the documented limit: another instance has not seen the jti");
            Assert.That(other.MySql.SetCalls.Single().Username, Is.EqualTo("user1"), "it repeats exactly the signed rotation");
            Assert.That(otherBodyElsewhere.StatusCode, Is.EqualTo(401), "any other body is refused");
            Assert.That(other.Log.ToString(), Does.Contain("body_hash does not match"));
        }
    }

    [TestCase(59, 200)]
    [TestCase(61, 401)]
    public async Task Expiry_allows_60_seconds_of_clock_skew(int secondsPastExpiry, int status)
    {
        var body = AdapterHarness.Body();
        var token = _harness.Token(body);
        _harness.Time.Advance(TimeSpan.FromSeconds(300 + secondsPastExpiry));

        var response = await _harness.PostAsync(body, "Bearer " + token);

        Assert.That(response.StatusCode, Is.EqualTo(status), _harness.Log.ToString());
    }

    [Test]
    public async Task Keys_that_cannot_be_loaded_are_503_and_the_log_says_why()
    {
        _harness.Source.Failing = true;
        var body = AdapterHarness.Body();

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Token(body));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(503));
            Assert.That(_harness.MySql.BeginCalls, Is.Zero);
            Assert.That(_harness.Log.ToString(), Does.Contain("signing keys could not be loaded").And.Contain("the test source is failing"));
        }
    }

    [Test]
    public async Task Unknown_kids_refetch_the_keys_at_most_once_a_minute_and_a_new_key_is_picked_up()
    {
        var body = AdapterHarness.Body();
        using var rolled = new TestTokenIssuer("rolled-key");
        await _harness.PostAsync(body, "Bearer " + _harness.Token(body));
        Assert.That(_harness.Source.Reads, Is.EqualTo(1));

        // The issuer starts signing with a key our cached JWKS does not have yet.
        _harness.Source.Document = _harness.Issuer.Jwks(rolled);
        _harness.Time.Advance(TimeSpan.FromSeconds(61));
        var rolledResponse = await _harness.PostAsync(body, "Bearer " + rolled.Token(AdapterHarness.Audience, body, _harness.Time.GetUtcNow()));
        Assert.That(rolledResponse.StatusCode, Is.EqualTo(200), _harness.Log.ToString());
        Assert.That(_harness.Source.Reads, Is.EqualTo(2));

        // Made-up kids: the first may refetch only after a minute, the rest wait.
        using var stranger = new TestTokenIssuer("made-up");
        for (var i = 0; i < 20; i++)
        {
            var response = await _harness.PostAsync(body, "Bearer " + stranger.Token(AdapterHarness.Audience, body, _harness.Time.GetUtcNow()));
            Assert.That(response.StatusCode, Is.EqualTo(401));
        }

        Assert.That(_harness.Source.Reads, Is.EqualTo(2), "no refetch within a minute of the last one");
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        await _harness.PostAsync(body, "Bearer " + stranger.Token(AdapterHarness.Audience, body, _harness.Time.GetUtcNow()));
        Assert.That(_harness.Source.Reads, Is.EqualTo(3));
    }

    [Test]
    public async Task Rotation_failure_is_400_with_the_dispatcher_message_and_no_state()
    {
        var body = Encoding.UTF8.GetBytes("""{"request":{"type":"mysql","database":{"host":"db","port":0,"managingUser":{"username":"m","password":"managing-secret-1234"}},"rotateUsers":{"username1":"a","username2":"b"}},"state":null}""");

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Token(body));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(400));
            Assert.That(Text(response), Does.Contain("port").And.Not.Contain("managing-secret-1234"));
            Assert.That(JsonNode.Parse(response.Body)!.AsObject().ContainsKey("username"), Is.False);
        }
    }

    [TestCase("not json")]
    [TestCase("[]")]
    [TestCase("{\"state\":null}")]
    [TestCase("{\"request\":\"mysql\"}")]
    public async Task Malformed_signed_body_is_400(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        var response = await _harness.PostAsync(body, "Bearer " + _harness.Token(body));

        Assert.That(response.StatusCode, Is.EqualTo(400), Text(response));
        Assert.That(Text(response), Does.StartWith("{\"error\":\"malformed request"));
    }

    private static string Text(AdapterResponse response) => Encoding.UTF8.GetString(response.Body);
}
