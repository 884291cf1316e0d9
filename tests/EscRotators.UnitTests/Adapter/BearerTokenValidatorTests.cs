using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Adapter;
using EscRotators.Adapter.Jwks;
using EscRotators.Adapter.Jwt;
using EscRotators.Logging;
using EscRotators.Tests.Adapter;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Adapter;

/// <summary>
/// Form C's token checks one at a time, each against the reason it gives, and every time bound at its edge: the
/// adapter's tests see only the status, so a check that refused for the wrong reason (or one second too late) would
/// pass there.
/// </summary>
public sealed class BearerTokenValidatorTests
{
    private const string Audience = AdapterHarness.Audience;
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);
    private static readonly long Now = Start.ToUnixTimeSeconds();
    private static readonly byte[] Body = AdapterHarness.Body();

    private FakeTimeProvider _time = null!;
    private TestTokenIssuer _issuer = null!;
    private InMemoryJwksSource _source = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(Start);
        _issuer = new TestTokenIssuer();
        _source = new InMemoryJwksSource(_issuer.Jwks());
    }

    [TearDown]
    public void TearDown() => _issuer.Dispose();

    [Test]
    public async Task A_valid_token_is_accepted_with_its_subject()
    {
        var check = await Validator().CheckAsync("Bearer " + Token(), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Accepted, "accepted", TestTokenIssuer.Subject)));
    }

    [TestCase("bearer ")]
    [TestCase("BEARER ")]
    [TestCase("Bearer   ")]
    public async Task The_scheme_is_case_insensitive_and_space_around_the_token_is_ignored(string prefix)
    {
        var check = await Validator().CheckAsync(prefix + Token() + "  ", Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(TokenCheck.Accepted(TestTokenIssuer.Subject)));
    }

    [TestCase(null, "no Authorization header")]
    [TestCase(" \t", "no Authorization header")]
    [TestCase("Bearer", "the Authorization scheme is not Bearer")]
    [TestCase("Basic dXNlcjpwYXNz", "the Authorization scheme is not Bearer")]
    [TestCase("Bearerx a.b.c", "the Authorization scheme is not Bearer")]
    [TestCase(" Bearer a.b.c", "the Authorization scheme is not Bearer")]
    [TestCase("Bearer    ", "the bearer token is empty or too long")]
    [TestCase("Bearer abc", "the bearer token is not a compact JWS (three dot-separated parts)")]
    [TestCase("Bearer a.b", "the bearer token is not a compact JWS (three dot-separated parts)")]
    [TestCase("Bearer a.b.c.d", "the bearer token is not a compact JWS (three dot-separated parts)")]
    [TestCase("Bearer a..", "the token header is not base64url JSON")]
    [TestCase("Bearer .e30.c2ln", "the token header is not base64url JSON")]
    [TestCase("Bearer !!!!.e30.c2ln", "the token header is not base64url JSON")]
    public async Task Malformed_authorization_is_refused_for_its_own_reason(string? authorization, string reason)
    {
        var check = await Validator().CheckAsync(authorization, Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, reason, null)));
    }

    [Test]
    public async Task A_header_that_is_base64url_but_not_json_is_refused()
    {
        var token = Base64Url.EncodeToString("not json"u8) + "." + Base64Url.EncodeToString("{}"u8) + ".c2ln";

        var check = await Validator().CheckAsync("Bearer " + token, Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo("the token header is not base64url JSON"));
    }

    [Test]
    public async Task Tokens_of_16_KiB_are_read_and_longer_ones_are_not()
    {
        var validator = Validator();

        var longest = await validator.CheckAsync("Bearer " + new string('a', 16 * 1024), Body, CancellationToken.None);
        var tooLong = await validator.CheckAsync("Bearer " + new string('a', (16 * 1024) + 1), Body, CancellationToken.None);

        Assert.That(longest.Reason, Is.EqualTo("the bearer token is not a compact JWS (three dot-separated parts)"));
        Assert.That(tooLong.Reason, Is.EqualTo("the bearer token is empty or too long"));
    }

    [TestCase("HS256", "the token alg is \"HS256\", not RS256")]
    [TestCase("rs256", "the token alg is \"rs256\", not RS256")]
    [TestCase("none", "the token alg is \"none\", not RS256")]
    [TestCase(null, "the token alg is (none), not RS256")]
    public async Task Only_RS256_is_accepted(string? alg, string reason)
    {
        var header = TestTokenIssuer.Header(_issuer.KeyId);
        header["alg"] = alg;

        var check = await Validator().CheckAsync("Bearer " + _issuer.Sign(header, Claims()), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, reason, null)));
    }

    [TestCase(null)]
    [TestCase("")]
    public async Task A_header_without_a_kid_is_refused(string? kid)
    {
        var header = TestTokenIssuer.Header(_issuer.KeyId);
        header["kid"] = kid;

        var check = await Validator().CheckAsync("Bearer " + _issuer.Sign(header, Claims()), Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo("the token header has no kid"));
    }

    [Test]
    public async Task An_unknown_kid_is_refused_and_named()
    {
        var check = await Validator().CheckAsync(
            "Bearer " + _issuer.Sign(TestTokenIssuer.Header("rolled-key"), Claims()), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, "kid \"rolled-key\" is not in the trusted JWKS", null)));
    }

    [Test]
    public async Task Keys_that_cannot_be_loaded_are_keys_unavailable()
    {
        _source.Failing = true;

        var check = await Validator().CheckAsync("Bearer " + Token(), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.KeysUnavailable, "the signing keys could not be loaded", null)));
    }

    [Test]
    public async Task Keys_still_loading_at_the_deadline_are_keys_unavailable()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var check = await Validator().CheckAsync("Bearer " + Token(), Body, cancelled.Token);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.KeysUnavailable, "the signing keys did not arrive before the deadline", null)));
    }

    [Test]
    public void A_cancellation_that_is_not_the_requests_is_not_taken_for_a_deadline()
    {
        // Only the request's own token means "the deadline came first"; any other cancellation is a bug to surface.
        var options = new AdapterOptions { Audience = Audience };
        var logger = new RotatorLogger(new LogSink(TextWriter.Null, LogFormat.Text, LogLevel.Info));
        var validator = new BearerTokenValidator(options, new SigningKeyStore(new CancellingSource(), options, _time, logger), new ReplayCache(1, _time), _time);

        Assert.ThrowsAsync<OperationCanceledException>(() => validator.CheckAsync("Bearer " + Token(), Body, CancellationToken.None));
    }

    [Test]
    public async Task A_signature_by_another_key_with_the_same_kid_is_refused()
    {
        using var impostor = new TestTokenIssuer(_issuer.KeyId);

        var check = await Validator().CheckAsync("Bearer " + impostor.Token(Audience, Body, Start), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, "the token signature is not valid for its kid", null)));
    }

    [Test]
    public async Task A_signature_that_is_not_base64url_is_refused()
    {
        var token = Token();
        token = token[..(token.LastIndexOf('.') + 1)] + "!!!!";

        var check = await Validator().CheckAsync("Bearer " + token, Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo("the token signature is not valid for its kid"));
    }

    [Test]
    public async Task A_signed_part_with_a_non_ascii_character_is_refused()
    {
        // Signed over the UTF-8 of the text: read as ASCII ('?' for 'é') it would not verify, so this pins the check
        // that refuses before converting.
        var input = TestTokenIssuer.Unsigned(TestTokenIssuer.Header(_issuer.KeyId), Claims()) + "é";
        var signature = _issuer.Key.SignData(Encoding.UTF8.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var check = await Validator().CheckAsync("Bearer " + input + "." + Base64Url.EncodeToString(signature), Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo("the token signature is not valid for its kid"));
    }

    [Test]
    public async Task Signed_claims_that_are_not_json_are_refused()
    {
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(TestTokenIssuer.Header(_issuer.KeyId).ToJsonString())) + "."
            + Base64Url.EncodeToString("not json"u8);
        var signature = _issuer.Key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var check = await Validator().CheckAsync("Bearer " + input + "." + Base64Url.EncodeToString(signature), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, "the token claims are not base64url JSON", null)));
    }

    public static IEnumerable<TestCaseData> ClaimProblems()
    {
        TestCaseData Case(string name, Action<JsonObject> change, string reason) =>
            new(change, reason) { TestName = $"Claim refused: {name}" };

        yield return Case("no iss", c => c.Remove("iss"), "the token issuer (none) is not accepted");
        yield return Case("other iss", c => c["iss"] = "https://api.pulumi.com/oidc/v2", "the token issuer \"https://api.pulumi.com/oidc/v2\" is not accepted");
        yield return Case("no aud", c => c.Remove("aud"), "the token audience does not name ESC_ROTATOR_AUDIENCE");
        yield return Case("other aud", c => c["aud"] = "https://elsewhere.example/", "the token audience does not name ESC_ROTATOR_AUDIENCE");
        yield return Case("aud array without ours", c => c["aud"] = new JsonArray("https://elsewhere.example/"), "the token audience does not name ESC_ROTATOR_AUDIENCE");
        yield return Case("aud array of numbers", c => c["aud"] = new JsonArray(1, 2), "the token audience does not name ESC_ROTATOR_AUDIENCE");
        yield return Case("aud object", c => c["aud"] = new JsonObject { ["aud"] = Audience }, "the token audience does not name ESC_ROTATOR_AUDIENCE");
        yield return Case("no exp", c => c.Remove("exp"), "the token has no exp");
        yield return Case("no iat", c => c.Remove("iat"), "the token has no iat");
        yield return Case("fractional exp", c => c["exp"] = Now + 300.5, "the token exp is not a whole number of seconds between 1970 and 9999");
        yield return Case("negative iat", c => c["iat"] = -1, "the token iat is not a whole number of seconds between 1970 and 9999");
        yield return Case("fractional nbf", c => c["nbf"] = Now - 0.5, "the token nbf is not a whole number of seconds between 1970 and 9999");
        yield return Case("nbf after 9999", c => c["nbf"] = 253_402_300_800, "the token nbf is not a whole number of seconds between 1970 and 9999");
        yield return Case("nbf at the end of 9999", c => c["nbf"] = 253_402_300_799, "the token is not valid yet (nbf)");
        yield return Case("exp and iat out of range", c =>
        {
            c["exp"] = Now + 300.5;
            c["iat"] = -1;
        }, "the token exp is not a whole number of seconds between 1970 and 9999");
        yield return Case("iat and nbf out of range", c =>
        {
            c["iat"] = -1;
            c["nbf"] = -1;
        }, "the token iat is not a whole number of seconds between 1970 and 9999");
        yield return Case("no body_hash", c => c.Remove("body_hash"), "the token has no body_hash");
        yield return Case("body_hash of another body", c => c["body_hash"] = TestTokenIssuer.BodyHash("{}"u8.ToArray()), "the token body_hash does not match the request body");
        yield return Case("body_hash without its prefix", c => c["body_hash"] = TestTokenIssuer.BodyHash(Body)["sha256-".Length..], "the token body_hash does not match the request body");
        yield return Case("no jti", c => c.Remove("jti"), "the token has no jti");
        yield return Case("empty jti", c => c["jti"] = "", "the token has no jti");
    }

    [TestCaseSource(nameof(ClaimProblems))]
    public async Task A_claim_problem_is_refused_for_its_own_reason_with_the_verified_subject(Action<JsonObject> change, string reason)
    {
        var check = await Validator().CheckAsync("Bearer " + Token(change), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, reason, TestTokenIssuer.Subject)));
    }

    [Test]
    public async Task An_audience_array_that_names_ours_is_accepted()
    {
        var check = await Validator().CheckAsync(
            "Bearer " + Token(c => c["aud"] = new JsonArray(1, "https://other.example/", Audience)), Body, CancellationToken.None);

        Assert.That(check.Verdict, Is.EqualTo(TokenVerdict.Accepted), check.Reason);
    }

    [Test]
    public async Task Times_at_the_start_of_1970_are_accepted()
    {
        var check = await Validator().CheckAsync("Bearer " + Token(c => c["nbf"] = 0), Body, CancellationToken.None);

        Assert.That(check.Verdict, Is.EqualTo(TokenVerdict.Accepted), check.Reason);
    }

    [TestCase(7200, "accepted")]
    [TestCase(7201, "the token lives longer than 120 minutes (exp - iat)")]
    public async Task A_token_may_live_the_lifetime_cap_and_not_a_second_longer(int lifetime, string reason)
    {
        var check = await Validator().CheckAsync("Bearer " + Token(c => c["iat"] = Now + 60 - lifetime, c => c["exp"] = Now + 60), Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo(reason));
    }

    [TestCase(0, "accepted")]
    [TestCase(1, "the token has expired")]
    public async Task Expiry_allows_exactly_the_clock_skew(int millisecondsPastSkew, string reason)
    {
        var token = Token();
        _time.Advance(TimeSpan.FromSeconds(300 + 60) + TimeSpan.FromMilliseconds(millisecondsPastSkew));

        var check = await Validator().CheckAsync("Bearer " + token, Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo(reason));
    }

    [TestCase(60, "accepted")]
    [TestCase(61, "the token is not valid yet (nbf)")]
    public async Task Not_before_allows_exactly_the_clock_skew(int secondsAhead, string reason)
    {
        var check = await Validator().CheckAsync("Bearer " + Token(c => c["nbf"] = Now + secondsAhead), Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo(reason));
    }

    [TestCase(60, "accepted")]
    [TestCase(61, "the token was issued in the future (iat)")]
    public async Task Issued_at_allows_exactly_the_clock_skew(int secondsAhead, string reason)
    {
        var check = await Validator().CheckAsync(
            "Bearer " + Token(c => c["iat"] = Now + secondsAhead, c => c.Remove("nbf")), Body, CancellationToken.None);

        Assert.That(check.Reason, Is.EqualTo(reason));
    }

    [Test]
    public async Task A_subject_outside_the_allow_list_is_forbidden_and_named()
    {
        var validator = Validator(new AdapterOptions { Audience = Audience, AllowedSubjects = [new SubjectPattern("pulumi:environments:org:acme:env:web/*")] });

        var check = await validator.CheckAsync("Bearer " + Token(), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Forbidden, "the token subject is not in ESC_ROTATOR_ALLOWED_SUBJECTS", TestTokenIssuer.Subject)));
    }

    [Test]
    public async Task A_token_without_a_subject_is_forbidden_when_subjects_are_restricted()
    {
        var validator = Validator(new AdapterOptions { Audience = Audience, AllowedSubjects = [new SubjectPattern("*")] });

        var check = await validator.CheckAsync("Bearer " + Token(c => c.Remove("sub")), Body, CancellationToken.None);

        Assert.That(check, Is.EqualTo(new TokenCheck(TokenVerdict.Forbidden, "the token subject is not in ESC_ROTATOR_ALLOWED_SUBJECTS", null)));
    }

    [Test]
    public async Task Any_subject_is_accepted_when_subjects_are_not_restricted_and_one_pattern_that_matches_is_enough()
    {
        var open = await Validator().CheckAsync("Bearer " + Token(c => c.Remove("sub")), Body, CancellationToken.None);
        var restricted = await Validator(new AdapterOptions
        {
            Audience = Audience,
            AllowedSubjects = [new SubjectPattern("pulumi:environments:org:acme:env:web/*"), new SubjectPattern("pulumi:environments:org:acme:env:db/*")],
        }).CheckAsync("Bearer " + Token(), Body, CancellationToken.None);

        Assert.That(open, Is.EqualTo(TokenCheck.Accepted(null)));
        Assert.That(restricted, Is.EqualTo(TokenCheck.Accepted(TestTokenIssuer.Subject)));
    }

    [Test]
    public async Task A_replayed_token_is_refused_until_the_last_moment_it_could_be_accepted()
    {
        var validator = Validator();
        var token = "Bearer " + Token();

        var first = await validator.CheckAsync(token, Body, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(300 + 60));
        var replayed = await validator.CheckAsync(token, Body, CancellationToken.None);

        Assert.That(first.Verdict, Is.EqualTo(TokenVerdict.Accepted), first.Reason);
        Assert.That(replayed, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, "the token id (jti) was already used", TestTokenIssuer.Subject)));
    }

    [Test]
    public async Task A_full_replay_cache_refuses_new_tokens()
    {
        var validator = Validator(new AdapterOptions { Audience = Audience, ReplayCacheCapacity = 1 });

        var first = await validator.CheckAsync("Bearer " + Token(), Body, CancellationToken.None);
        var second = await validator.CheckAsync("Bearer " + Token(), Body, CancellationToken.None);

        Assert.That(first.Verdict, Is.EqualTo(TokenVerdict.Accepted), first.Reason);
        Assert.That(second, Is.EqualTo(new TokenCheck(TokenVerdict.Unauthorized, "the replay cache is full of unexpired token ids", TestTokenIssuer.Subject)));
    }

    private BearerTokenValidator Validator(AdapterOptions? options = null)
    {
        options ??= new AdapterOptions { Audience = Audience };
        var logger = new RotatorLogger(new LogSink(TextWriter.Null, LogFormat.Text, LogLevel.Info));
        return new BearerTokenValidator(options, new SigningKeyStore(_source, options, _time, logger), new ReplayCache(options.ReplayCacheCapacity, _time), _time);
    }

    private static JsonObject Claims(params Action<JsonObject>[] changes)
    {
        var claims = TestTokenIssuer.Claims(Audience, Body, Start);
        foreach (var change in changes)
        {
            change(claims);
        }

        return claims;
    }

    private string Token(params Action<JsonObject>[] changes) => _issuer.Sign(TestTokenIssuer.Header(_issuer.KeyId), Claims(changes));

    private sealed class CancellingSource : IJwksSource
    {
        public string Description => "cancelling";

        public Task<byte[]> ReadAsync(CancellationToken cancellationToken) => Task.FromException<byte[]>(new OperationCanceledException("not the request's token"));
    }
}
