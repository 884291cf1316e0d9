using System.Globalization;
using System.Net;
using System.Text;

namespace EscRotators.Http;

/// <summary>
/// The proxy an HTTPS request goes through, read from the environment as curl and .NET's HttpClient read it
/// (<c>HTTPS_PROXY</c> or <c>https_proxy</c>, else <c>ALL_PROXY</c> or <c>all_proxy</c>; <c>NO_PROXY</c> or
/// <c>no_proxy</c> exempts hosts), and the CONNECT tunnel through it. Only <c>http://</c> proxies, optionally with
/// <c>user:password@</c> credentials; the TLS session to the target runs end to end inside the tunnel.
/// </summary>
internal sealed class HttpsProxy
{
    private readonly string? _authorization;

    private HttpsProxy(string host, int port, string? authorization)
    {
        Host = host;
        Port = port;
        _authorization = authorization;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The proxy for <paramref name="target"/>; null to connect directly.</summary>
    /// <exception cref="ArgumentException">The proxy setting is not an <c>http://host[:port]</c> URL.</exception>
    public static HttpsProxy? For(Uri target, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(environment);
        var (name, setting) = First(environment, "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy");
        if (setting is null || Exempt(target, First(environment, "NO_PROXY", "no_proxy").Value))
        {
            return null;
        }

        // "proxy:3128" means http://proxy:3128, as curl reads it.
        var text = setting.Contains("://", StringComparison.Ordinal) ? setting : "http://" + setting;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var proxy) || proxy.Scheme != Uri.UriSchemeHttp || proxy.IdnHost.Length == 0)
        {
            // The setting may carry credentials: name the variable, never its value.
            throw new ArgumentException($"{name} is not an http://host[:port] proxy URL");
        }

        string? authorization = null;
        if (proxy.UserInfo.Length > 0)
        {
            var credentials = Uri.UnescapeDataString(proxy.UserInfo);
            authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));
        }

        return new HttpsProxy(ConnectHost.Of(proxy), proxy.Port, authorization);
    }

    /// <summary>Asks the proxy, on <paramref name="stream"/>, for a tunnel to <paramref name="target"/>'s host and port.</summary>
    /// <exception cref="IOException">The proxy refused or broke the tunnel.</exception>
    public async Task TunnelAsync(Stream stream, Uri target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(target);
        var authority = string.Create(CultureInfo.InvariantCulture, $"{target.IdnHost}:{target.Port}");
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if (_authorization is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"Proxy-Authorization: {_authorization}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken).ConfigureAwait(false);
        var answer = await new HttpResponseReader(stream, $"The proxy {Host}:{Port}", maxBodyBytes: 0)
            .ReadHeadAsync(cancellationToken).ConfigureAwait(false);
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new IOException($"the proxy {Host}:{Port} refused a tunnel to {authority}: {(int)answer.StatusCode} {answer.ReasonPhrase}");
        }
    }

    private static (string? Name, string? Value) First(Func<string, string?> environment, params string[] names)
    {
        foreach (var name in names)
        {
            if (environment(name) is { } value && !string.IsNullOrWhiteSpace(value))
            {
                return (name, value.Trim());
            }
        }

        return (null, null);
    }

    // "*" exempts every host; "example.com" and ".example.com" exempt the domain and its subdomains; an entry may
    // carry a port, which must then match.
    private static bool Exempt(Uri target, string? noProxy)
    {
        if (noProxy is null)
        {
            return false;
        }

        var host = ConnectHost.Of(target);
        foreach (var raw in noProxy.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw == "*")
            {
                return true;
            }

            var entry = raw;
            var colon = entry.LastIndexOf(':');
            if (colon > 0 && entry.IndexOf(':') == colon && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                if (port != target.Port)
                {
                    continue;
                }

                entry = entry[..colon];
            }

            entry = entry.Trim('[', ']').TrimStart('.');
            if (entry.Length > 0 && (host.Equals(entry, StringComparison.OrdinalIgnoreCase)
                || host.EndsWith("." + entry, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
