using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>esc-rotator-server as a process: start-up checks, health, access log, 503 without keys, SIGTERM.</summary>
[TestFixture]
[Category("Adapter")]
public sealed class RotationServerTests
{
    private FakePulumiCloud _cloud = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _cloud = await FakePulumiCloud.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [Test]
    public async Task Without_a_certificate_it_refuses_to_start_unless_told_insecure_http()
    {
        await using var server = await ServerProcess.StartAsync(AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls), [], waitUntilListening: false);

        Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True, "it exits");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(server.ExitCode, Is.EqualTo(2));
            Assert.That(server.Log, Does.Contain("--tls-cert").And.Contain("--insecure-http"));
        }
    }

    [Test]
    public async Task Without_an_audience_it_refuses_to_start()
    {
        var environment = AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls);
        environment.Remove("ESC_ROTATOR_AUDIENCE");
        await using var server = await ServerProcess.StartAsync(environment, ["--tls-cert", _cloud.Tls.CertificatePath, "--tls-key", _cloud.Tls.KeyPath], waitUntilListening: false);

        Assert.That(await server.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True, "it exits");
        Assert.That(server.ExitCode, Is.EqualTo(2));
        Assert.That(server.Log, Does.Contain("ESC_ROTATOR_AUDIENCE is required"));
    }

    [Test]
    public async Task Health_answers_over_HTTPS_and_every_request_gets_one_JSON_access_line_without_the_token()
    {
        await using var adapter = await AdapterEndpoint.StartAsync(AdapterTransport.Server, AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls), _cloud.Tls);
        var body = Encoding.UTF8.GetBytes("""{"request":{"type":"mysql"},"state":null}""");
        var token = _cloud.Issuer.Token(AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow);

        var health = await adapter.SendAsync("GET", null, null, []);
        var post = await adapter.SendAsync("POST", "Bearer " + token, "application/json", body);

        var access = (await adapter.Server!.LinesOnceThereAreAsync("\"message\":\"access\"", 2))
            .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.Status, Is.EqualTo(405), "GET / is not the health check");
            Assert.That(post.Status, Is.EqualTo(400), post.ToString());
            Assert.That(access, Has.Count.EqualTo(2), adapter.Log);
            Assert.That(access.Select(a => (string?)a["method"]), Is.EqualTo(new[] { "GET", "POST" }));
            Assert.That(access.Select(a => (int?)a["status"]), Is.EqualTo(new int?[] { 405, 400 }));
            Assert.That((string?)access[1]["subject"], Is.EqualTo(TestTokenIssuer.Subject));
            Assert.That(access.All(a => a["durationMs"] is not null), Is.True);
        }

        foreach (var part in RefusedRequests.TokenParts("Bearer " + token))
        {
            Assert.That(adapter.Log, Does.Not.Contain(part), "the token reached the log");
        }

        using var client = new HttpClient(_cloud.Tls.TrustingHandler());
        var healthz = await client.GetAsync(new Uri(adapter.Server.Url, "/healthz"));
        Assert.That((int)healthz.StatusCode, Is.EqualTo(200));
        Assert.That(await healthz.Content.ReadAsStringAsync(), Is.EqualTo("""{"status":"ok"}"""));
    }

    [TestCase(AdapterTransport.Server)]
    [TestCase(AdapterTransport.FunctionUrl)]
    public async Task Unreachable_signing_keys_are_503_with_a_clear_log_line_never_an_accepted_token(AdapterTransport transport)
    {
        var environment = AdapterEndpoint.Environment(new Uri($"https://127.0.0.1:{UnusedPort.Find()}/jwks"), _cloud.Tls);
        await using var adapter = await AdapterEndpoint.StartAsync(transport, environment, _cloud.Tls);
        var body = Encoding.UTF8.GetBytes("""{"request":{"type":"mysql"},"state":null}""");

        var reply = await adapter.PostSignedAsync(_cloud.Issuer, body);
        var log = await adapter.LogOnceItContainsAsync("signing keys could not be loaded");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply.Status, Is.EqualTo(503), reply + "\n" + log);
            Assert.That(log, Does.Contain("signing keys could not be loaded"));
        }
    }

    [TestCase(AdapterTransport.Server)]
    [TestCase(AdapterTransport.FunctionUrl)]
    public async Task With_the_default_issuers_a_token_of_either_spelling_is_accepted_and_one_of_the_v2_issuer_is_not(AdapterTransport transport)
    {
        await using var adapter = await AdapterEndpoint.StartAsync(transport, AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls), _cloud.Tls);
        var body = Encoding.UTF8.GetBytes("""{"request":{"type":"mysql"},"state":null}""");

        async Task<int> StatusFor(string issuer) =>
            (await adapter.SendAsync("POST", "Bearer " + _cloud.Issuer.Token(AdapterEndpoint.Audience, body, DateTimeOffset.UtcNow, issuer), "application/json", body)).Status;

        using (Assert.EnterMultipleScope())
        {
            // 400: the token was accepted and the (deliberately incomplete) request failed validation.
            Assert.That(await StatusFor("https://api.pulumi.com"), Is.EqualTo(400), adapter.Log);
            Assert.That(await StatusFor("https://api.pulumi.com/oidc"), Is.EqualTo(400), adapter.Log);
            Assert.That(await StatusFor(RefusedRequests.V2Issuer), Is.EqualTo(401), adapter.Log);
            Assert.That(adapter.Log, Does.Contain("https://api.pulumi.com/oidc/v2").And.Contain("is not accepted"));
        }
    }

    [Test]
    public async Task SIGTERM_stops_it_cleanly()
    {
        await using var adapter = await AdapterEndpoint.StartAsync(AdapterTransport.Server, AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls), _cloud.Tls);

        adapter.Server!.Terminate();

        Assert.That(await adapter.Server.WaitForExitAsync(TimeSpan.FromSeconds(20)), Is.True, "it stops");
        Assert.That(adapter.Server.ExitCode, Is.Zero, adapter.Log);
        Assert.That(adapter.Log, Does.Contain("\"message\":\"stopped\""));
    }
}
