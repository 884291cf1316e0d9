using System.Security.Cryptography.X509Certificates;
using System.Text;
using EscRotators.Adapter.Jwks;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// The JWKS download over real HTTPS on loopback: directly, through an HTTPS_PROXY tunnel, and refused for an
/// untrusted certificate or a proxy that will not tunnel.
/// </summary>
[TestFixture]
public sealed class JwksHttpSourceTests
{
    private const string Document = """{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}""";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private LoopbackCertificate _tls = null!;
    private JwksEndpoint _jwks = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _tls = LoopbackCertificate.Create();
        _jwks = await JwksEndpoint.StartAsync(_tls, Document);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _jwks.DisposeAsync();
        _tls.Dispose();
    }

    [Test]
    public async Task Reads_the_key_set_from_an_https_url_whose_certificate_is_trusted()
    {
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null, NoVariables);

        var document = await source.ReadAsync(CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(document), Is.EqualTo(Document));
    }

    [Test]
    public async Task Goes_through_the_proxy_named_by_HTTPS_PROXY_with_its_credentials()
    {
        await using var proxy = new ConnectProxy();
        var environment = Variables(("HTTPS_PROXY", $"http://esc%20user:s3cr%40t@127.0.0.1:{proxy.Port}"));
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null, environment);

        var document = await source.ReadAsync(CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(document), Is.EqualTo(Document));
        Assert.That(proxy.Heads, Has.Count.EqualTo(1));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(proxy.Heads[0], Does.StartWith($"CONNECT 127.0.0.1:{_jwks.Url.Port} HTTP/1.1\r\n"));
            Assert.That(proxy.Heads[0], Does.Contain("Proxy-Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("esc user:s3cr@t"))));
            Assert.That(source.Description, Does.Not.Contain("s3cr"), "the description names the proxy, never its credentials");
        }
    }

    [Test]
    public async Task NO_PROXY_sends_a_listed_host_directly()
    {
        await using var proxy = new ConnectProxy();
        var environment = Variables(("https_proxy", $"127.0.0.1:{proxy.Port}"), ("no_proxy", "example.com, 127.0.0.1"));
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null, environment);

        var document = await source.ReadAsync(CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(document), Is.EqualTo(Document));
        Assert.That(proxy.Heads, Is.Empty);
    }

    [Test]
    public async Task A_proxy_that_refuses_the_tunnel_is_named_in_the_failure()
    {
        await using var proxy = new ConnectProxy { Refuse = true };
        var environment = Variables(("HTTPS_PROXY", $"http://user:hunter2@127.0.0.1:{proxy.Port}"));
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null, environment);

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain($"the proxy 127.0.0.1:{proxy.Port} refused a tunnel").And.Contain("407"));
        Assert.That(failure.Message, Does.Not.Contain("hunter2"));
    }

    [Test]
    public void A_certificate_from_another_authority_is_refused_and_says_so()
    {
        using var other = LoopbackCertificate.Create();
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(other), systemTrust: null, NoVariables);

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("TLS handshake").And.Contain("not trusted"));
    }

    [Test]
    public void A_proxy_setting_that_is_not_an_http_url_is_refused_without_echoing_it()
    {
        var environment = Variables(("HTTPS_PROXY", "socks5://user:hunter2@127.0.0.1:1080"));

        var refused = Assert.Throws<ArgumentException>(() => _ = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null, environment));

        Assert.That(refused!.Message, Does.Contain("HTTPS_PROXY").And.Not.Contain("hunter2"));
    }

    private static string? NoVariables(string name) => null;

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static TlsSettings Trusting(LoopbackCertificate tls) =>
        new(TlsMode.VerifyFull, [X509CertificateLoader.LoadCertificate(tls.Certificate.RawData)]);
}
