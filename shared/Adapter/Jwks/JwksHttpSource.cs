using System.Net;
using System.Net.Security;
using EscRotators.Tls;

namespace EscRotators.Adapter.Jwks;

/// <summary>
/// A JWKS fetched over HTTPS with a timeout. The certificate is checked as <c>verify-full</c> against the given CAs,
/// or the platform store (loaded by us: <c>bootstrap</c> keeps the TLS layer's own default store empty).
/// </summary>
public sealed class JwksHttpSource : IJwksSource, IDisposable
{
    // A key set is a few kilobytes; anything near this is not one.
    private const int MaxDocumentBytes = 1024 * 1024;

    private readonly Uri _url;
    private readonly HttpClient _client;

    public JwksHttpSource(Uri url, TimeSpan timeout, TlsSettings trust, SystemTrustStore? systemTrust)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(trust);
        _url = url;
        var check = new ServerCertificateCheck(trust, url.Host, systemTrust);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = true,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = check.Validate,
                CertificateChainPolicy = check.ChainPolicy,
            },
        };
        _client = new HttpClient(handler) { Timeout = timeout, MaxResponseContentBufferSize = MaxDocumentBytes };
    }

    public string Description => _url.ToString();

    public async Task<byte[]> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _client.GetAsync(_url, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new SigningKeysUnavailableException($"GET {_url} answered {(int)response.StatusCode}");
            }

            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SigningKeysUnavailableException($"GET {_url} timed out after {_client.Timeout.TotalSeconds:0.#} s", ex);
        }
        catch (HttpRequestException ex)
        {
            // The message names the host and the socket or TLS failure; it carries nothing secret.
            throw new SigningKeysUnavailableException($"GET {_url} failed: {ex.HttpRequestError}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _client.Dispose();
}
