using System.Text;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// The JWKS download through a CONNECT proxy, as the executables take it from their environment (HttpClient's
/// default proxy): HTTPS_PROXY with credentials, ALL_PROXY, NO_PROXY, and a proxy that refuses and echoes the
/// credentials it was sent. A signed request whose body fails validation answers 400 only once the keys were loaded,
/// and 503 when they could not be.
/// </summary>
[TestFixture(AdapterTransport.Server)]
[TestFixture(AdapterTransport.FunctionUrl)]
[Category("Adapter")]
public sealed class JwksProxyTests
{
    private static readonly byte[] InvalidRotation = Encoding.UTF8.GetBytes("""{"request":{"type":"mysql"},"state":null}""");

    private readonly AdapterTransport _transport;
    private FakePulumiCloud _cloud = null!;

    public JwksProxyTests(AdapterTransport transport) => _transport = transport;

    [OneTimeSetUp]
    public async Task StartAsync() => _cloud = await FakePulumiCloud.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [Test]
    public async Task Goes_through_the_proxy_named_by_HTTPS_PROXY_with_its_credentials_and_never_logs_them()
    {
        await using var proxy = new ConnectProxy { RequireCredentials = true };

        var (reply, log) = await PostThroughAsync(("HTTPS_PROXY", $"http://esc%20user:s3cr%40t@127.0.0.1:{proxy.Port}"));

        var connects = proxy.Heads.Where(h => h.StartsWith($"CONNECT 127.0.0.1:{_cloud.Jwks.Url.Port} HTTP/1.1\r\n", StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reply.Status, Is.EqualTo(400), $"{reply}\nlog:\n{log}");
            Assert.That(connects, Is.Not.Empty, "the download went through the proxy");
            Assert.That(connects.Last(), Does.Contain("Proxy-Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("esc user:s3cr@t"))));
            Assert.That(log, Does.Contain($"through the proxy 127.0.0.1:{proxy.Port}"));
            Assert.That(log, Does.Not.Contain("s3cr"), "the proxy's password never reaches the log");
        }
    }

    [Test]
    public async Task ALL_PROXY_is_used_when_HTTPS_PROXY_is_not_set()
    {
        await using var proxy = new ConnectProxy();

        var (reply, log) = await PostThroughAsync(("ALL_PROXY", $"http://127.0.0.1:{proxy.Port}"));

        Assert.That(reply.Status, Is.EqualTo(400), $"{reply}\nlog:\n{log}");
        Assert.That(proxy.Heads, Has.Some.StartsWith("CONNECT "));
    }

    [Test]
    public async Task NO_PROXY_sends_a_listed_host_directly()
    {
        await using var proxy = new ConnectProxy();

        var (reply, log) = await PostThroughAsync(("https_proxy", $"127.0.0.1:{proxy.Port}"), ("no_proxy", "example.com, 127.0.0.1"));

        Assert.That(reply.Status, Is.EqualTo(400), $"{reply}\nlog:\n{log}");
        Assert.That(proxy.Heads, Is.Empty);
    }

    [Test]
    public async Task A_proxy_that_refuses_the_tunnel_and_echoes_the_credentials_is_a_503_whose_log_has_neither_credential_nor_echo()
    {
        await using var proxy = new ConnectProxy { RequireCredentials = true, Refuse = true };

        var (reply, log) = await PostThroughAsync(("HTTPS_PROXY", $"http://user:hunter2@127.0.0.1:{proxy.Port}"));

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("user:hunter2"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(proxy.Heads.Any(h => h.Contains(basic, StringComparison.Ordinal)), Is.True, "the proxy was sent the credentials it echoes");
            Assert.That(reply.Status, Is.EqualTo(503), $"{reply}\nlog:\n{log}");
            Assert.That(log, Does.Contain("the proxy refused the tunnel (407)"));
            Assert.That(log, Does.Not.Contain("hunter2"), "the password from HTTPS_PROXY");
            Assert.That(log, Does.Not.Contain(basic), "the echoed Proxy-Authorization");
            Assert.That(log, Does.Not.Contain("Denied"), "the proxy's reason phrase");
        }
    }

    private async Task<(AdapterReply Reply, string Log)> PostThroughAsync(params (string Name, string Value)[] variables)
    {
        var environment = AdapterEndpoint.Environment(_cloud.Jwks.Url, _cloud.Tls);
        foreach (var (name, value) in variables)
        {
            environment[name] = value;
        }

        await using var adapter = await AdapterEndpoint.StartAsync(_transport, environment, _cloud.Tls);
        var reply = await adapter.PostSignedAsync(_cloud.Issuer, InvalidRotation);
        return (reply, adapter.Log);
    }
}
