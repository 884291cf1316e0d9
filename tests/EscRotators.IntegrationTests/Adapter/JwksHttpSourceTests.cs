using System.Security.Cryptography.X509Certificates;
using System.Text;
using EscRotators.Adapter.Jwks;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// The JWKS download over real HTTPS on loopback, in process: read when the certificate is trusted; refused for an
/// untrusted certificate, a redirect, an oversized document and a silent server. The proxy settings come from the
/// process environment, so <see cref="JwksProxyTests"/> checks them through the executables.
/// </summary>
[TestFixture]
[NonParallelizable]
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

    [TearDown]
    public void Reset()
    {
        _jwks.Status = 200;
        _jwks.Document = Document;
    }

    [Test]
    public async Task Reads_the_key_set_from_an_https_url_whose_certificate_is_trusted()
    {
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null);

        var document = await source.ReadAsync(CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(document), Is.EqualTo(Document));
    }

    [Test]
    public void A_certificate_from_another_authority_is_refused_and_says_so()
    {
        using var other = LoopbackCertificate.Create();
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(other), systemTrust: null);

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("TLS handshake").And.Contain("not trusted"));
    }

    [Test]
    public void A_redirect_is_not_followed_and_its_status_is_named()
    {
        _jwks.Status = 302;
        var before = _jwks.Requests;
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null);

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Message, Does.EndWith("answered 302"));
            Assert.That(_jwks.Requests - before, Is.EqualTo(1), "one request: the Location was not followed");
        }
    }

    [Test]
    public void A_document_larger_than_the_limit_is_refused()
    {
        _jwks.Document = "{\"keys\":[],\"padding\":\"" + new string('x', JwksHttpSource.MaxDocumentBytes) + "\"}";
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null);

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain($"larger than {JwksHttpSource.MaxDocumentBytes} bytes"));
    }

    [Test]
    public async Task A_server_that_never_answers_times_out_within_the_configured_time()
    {
        await using var silent = LoopbackListener.Start(async (_, stopping) => await Task.Delay(System.Threading.Timeout.Infinite, stopping));
        var source = new JwksHttpSource(new Uri($"https://127.0.0.1:{silent.Port}/jwks"), TimeSpan.FromSeconds(1), Trusting(_tls), systemTrust: null);
        var started = TimeProvider.System.GetTimestamp();

        var failure = Assert.ThrowsAsync<SigningKeysUnavailableException>(() => source.ReadAsync(CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.Message, Does.Contain("timed out after 1 s"));
            Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(5)));
        }
    }

    [Test]
    public void The_callers_cancellation_stops_the_download_and_is_not_reported_as_a_timeout()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var source = new JwksHttpSource(_jwks.Url, Timeout, Trusting(_tls), systemTrust: null);

        Assert.CatchAsync<OperationCanceledException>(() => source.ReadAsync(cancelled.Token));
    }

    [Test]
    public void A_url_that_is_not_https_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _ = new JwksHttpSource(new Uri("http://127.0.0.1/jwks"), Timeout, Trusting(_tls), systemTrust: null));
    }

    private static TlsSettings Trusting(LoopbackCertificate tls) =>
        new(TlsMode.VerifyFull, [X509CertificateLoader.LoadCertificate(tls.Certificate.RawData)]);
}
