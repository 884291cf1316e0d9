using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using EscRotators.Logging;
using EscRotators.Tls;

namespace EscRotators.Adapter.Jwks;

/// <summary>
/// A JWKS fetched with one HTTPS GET over the BCL's <see cref="HttpClient"/>, within a timeout and the caller's
/// cancellation. The certificate is checked as <c>verify-full</c> against the given CAs, or the platform store
/// (loaded by us: <c>bootstrap</c> keeps the TLS layer's own default store empty). No redirects. The proxy is
/// <see cref="HttpClient.DefaultProxy"/>: on Linux <c>https_proxy</c>/<c>HTTPS_PROXY</c>, else
/// <c>all_proxy</c>/<c>ALL_PROXY</c>, with <c>no_proxy</c>/<c>NO_PROXY</c> exempting hosts (lower case first).
/// </summary>
public sealed class JwksHttpSource : IJwksSource
{
    // A key set is a few kilobytes; anything near this is not one.
    public const int MaxDocumentBytes = 1024 * 1024;

    private readonly Uri _url;
    private readonly TimeSpan _timeout;
    private readonly TlsSettings _trust;
    private readonly SystemTrustStore? _systemTrust;

    /// <exception cref="ArgumentException">The URL is not an absolute https:// URL.</exception>
    public JwksHttpSource(Uri url, TimeSpan timeout, TlsSettings trust, SystemTrustStore? systemTrust)
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
        Description = Describe(url);
    }

    /// <summary>The URL, and the proxy's host and port when one is used; never the proxy's credentials.</summary>
    public string Description { get; }

    public async Task<byte[]> ReadAsync(CancellationToken cancellationToken)
    {
        // A handler per fetch (at most one a minute): its certificate check remembers why it refused a certificate.
        var check = new ServerCertificateCheck(_trust, _url.HostNameType == UriHostNameType.IPv6 ? _url.DnsSafeHost : _url.IdnHost, _systemTrust);
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = true,
            ConnectTimeout = _timeout,
            SslOptions = check.ApplyTo(new SslClientAuthenticationOptions()),
        };
        using var client = new HttpClient(handler, disposeHandler: false)
        {
            // The linked source below is the one clock; HttpClient's own would report a second, different timeout.
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxDocumentBytes,
        };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _url);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token).ConfigureAwait(false);

            // The status code only: the reason phrase and the body are the peer's text.
            return response.StatusCode == HttpStatusCode.OK
                ? await response.Content.ReadAsByteArrayAsync(limit.Token).ConfigureAwait(false)
                : throw Unavailable(string.Create(CultureInfo.InvariantCulture, $"answered {(int)response.StatusCode}"));
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(string.Create(CultureInfo.InvariantCulture, $"timed out after {_timeout.TotalSeconds:0.#} s"), ex);
        }
        catch (HttpRequestException ex)
        {
            throw Unavailable("failed: " + Explain(ex, check), ex);
        }
    }

    /// <summary>
    /// Why a request failed, from the error kind, the status and the inner exception's type. Never the exception's
    /// message: the BCL writes the proxy's URL, credentials included, into it, and a peer's text may follow.
    /// </summary>
    private static string Explain(HttpRequestException ex, ServerCertificateCheck check)
    {
        if (FindInner<AuthenticationException>(ex) is not null)
        {
            return "in the TLS handshake: " + (check.FailureReason ?? "the handshake failed");
        }

        var socket = FindInner<SocketException>(ex);
        var status = ex.StatusCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" ({(int)code})") : "";
        return ex.HttpRequestError switch
        {
            HttpRequestError.ProxyTunnelError => "the proxy refused the tunnel" + status,
            HttpRequestError.NameResolutionError => "the host name did not resolve",
            HttpRequestError.ConnectionError when socket is not null => "connecting: " + socket.SocketErrorCode,
            HttpRequestError.ConnectionError => "the connection could not be made or broke",
            HttpRequestError.SecureConnectionError => "in the TLS handshake",
            HttpRequestError.ResponseEnded => "the server closed the connection before the response ended",
            HttpRequestError.InvalidResponse => "the response is not valid HTTP",
            HttpRequestError.ConfigurationLimitExceeded => $"the response is larger than {MaxDocumentBytes} bytes",
            HttpRequestError.UserAuthenticationError => "the proxy asked for credentials" + status,
            _ => string.Create(CultureInfo.InvariantCulture, $"{ex.HttpRequestError}{status}"),
        };
    }

    private static T? FindInner<T>(Exception ex)
        where T : Exception
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private SigningKeysUnavailableException Unavailable(string what, Exception? inner = null) =>
        inner is null ? new($"GET {Description} {what}") : new($"GET {Description} {what}", inner);

    // The proxy's URL carries its credentials; only its host and port are named.
    private static string Describe(Uri url)
    {
        var proxy = HttpClient.DefaultProxy;
        if (proxy.IsBypassed(url) || proxy.GetProxy(url) is not { } through)
        {
            return url.ToString();
        }

        var text = new System.Text.StringBuilder().Append(url).Append(" (through the proxy ");
        PrintableText.AppendEscaped(text, through.IdnHost);
        return text.Append(CultureInfo.InvariantCulture, $":{through.Port})").ToString();
    }
}
