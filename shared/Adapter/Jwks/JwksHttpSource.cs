using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using EscRotators.Http;
using EscRotators.Tls;

namespace EscRotators.Adapter.Jwks;

/// <summary>
/// A JWKS fetched with one HTTPS GET, within a timeout, directly or through an <see cref="HttpsProxy"/>. The
/// certificate is checked as <c>verify-full</c> against the given CAs, or the platform store (loaded by us:
/// <c>bootstrap</c> keeps the TLS layer's own default store empty). A socket, TLS and the HTTP/1.1 reader the Lambda
/// Runtime API client uses, instead of HttpClient, which would add about a megabyte to the executable for one request.
/// </summary>
public sealed class JwksHttpSource : IJwksSource
{
    // A key set is a few kilobytes; anything near this is not one.
    private const int MaxDocumentBytes = 1024 * 1024;

    private readonly Uri _url;
    private readonly TimeSpan _timeout;
    private readonly TlsSettings _trust;
    private readonly SystemTrustStore? _systemTrust;
    private readonly HttpsProxy? _proxy;
    private readonly string _host;
    private readonly byte[] _request;

    /// <param name="environment">Where the proxy settings are read (<see cref="HttpsProxy"/>); null for the process environment.</param>
    /// <exception cref="ArgumentException">The URL is not https, or the proxy setting is not an http:// URL.</exception>
    public JwksHttpSource(Uri url, TimeSpan timeout, TlsSettings trust, SystemTrustStore? systemTrust, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(trust);
        if (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("the JWKS URL must be an absolute https:// URL", nameof(url));
        }

        _url = url;
        _timeout = timeout;
        _trust = trust;
        _systemTrust = systemTrust;
        _proxy = HttpsProxy.For(url, environment ?? Environment.GetEnvironmentVariable);
        _host = ConnectHost.Of(url);
        var hostHeader = url.IsDefaultPort ? url.IdnHost : string.Create(CultureInfo.InvariantCulture, $"{url.IdnHost}:{url.Port}");
        _request = Encoding.ASCII.GetBytes(
            $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {hostHeader}\r\nAccept: application/json\r\nUser-Agent: esc-rotator\r\nConnection: close\r\n\r\n");
    }

    public string Description => _proxy is null ? _url.ToString() : $"{_url} (through the proxy {_proxy.Host}:{_proxy.Port})";

    public async Task<byte[]> ReadAsync(CancellationToken cancellationToken)
    {
        // One check per connection: it remembers why it refused a certificate.
        var check = new ServerCertificateCheck(_trust, _host, _systemTrust);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        var step = _proxy is null ? "connecting" : "connecting to the proxy";
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(_proxy?.Host ?? _host, _proxy?.Port ?? _url.Port, limit.Token).ConfigureAwait(false);
            await using var network = new NetworkStream(socket, ownsSocket: false);
            if (_proxy is not null)
            {
                step = "opening the tunnel";
                await _proxy.TunnelAsync(network, _url, limit.Token).ConfigureAwait(false);
            }

            step = "in the TLS handshake";
            await using var tls = new SslStream(network, leaveInnerStreamOpen: true);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = _host,
                    RemoteCertificateValidationCallback = check.Validate,
                    CertificateChainPolicy = check.ChainPolicy,
                },
                limit.Token).ConfigureAwait(false);

            step = "reading the response";
            await tls.WriteAsync(_request, limit.Token).ConfigureAwait(false);
            var response = await new HttpResponseReader(tls, _host, MaxDocumentBytes).ReadAsync(limit.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK
                ? response.Body
                : throw new SigningKeysUnavailableException($"GET {Description} answered {(int)response.StatusCode}");
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SigningKeysUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"GET {Description} timed out after {_timeout.TotalSeconds:0.#} s ({step})"), ex);
        }
        catch (AuthenticationException ex)
        {
            throw new SigningKeysUnavailableException($"GET {Description} failed in the TLS handshake: {check.FailureReason ?? ex.Message}", ex);
        }
        catch (SocketException ex)
        {
            throw new SigningKeysUnavailableException($"GET {Description} failed {step}: {ex.SocketErrorCode}", ex);
        }
        catch (IOException ex)
        {
            // The messages name the peer and what broke; they carry nothing secret.
            throw new SigningKeysUnavailableException($"GET {Description} failed {step}: {ex.Message}", ex);
        }
    }
}
