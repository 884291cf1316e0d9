using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// An HTTP proxy on 127.0.0.1 that serves CONNECT tunnels to loopback ports only and records each request's head.
/// With <see cref="RequireCredentials"/> it first answers 407 with a Basic challenge, as proxies do, until a request
/// carries <c>Proxy-Authorization</c>. With <see cref="Refuse"/> it refuses the tunnel with 407, echoing the
/// <c>Proxy-Authorization</c> it got in its reason phrase and body, as a careless or hostile proxy may.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly List<string> _heads = [];
    private readonly LoopbackListener _listener;

    public ConnectProxy()
    {
        _listener = LoopbackListener.Start(ServeAsync);
    }

    public int Port => _listener.Port;

    public bool Refuse { get; init; }

    public bool RequireCredentials { get; init; }

    /// <summary>The request heads received (request line and headers), in order.</summary>
    public IReadOnlyList<string> Heads
    {
        get
        {
            lock (_heads)
            {
                return [.. _heads];
            }
        }
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task ServeAsync(NetworkStream client, CancellationToken stopping)
    {
        var head = await ReadHeadAsync(client, stopping);
        lock (_heads)
        {
            _heads.Add(head);
        }

        var target = head.Split(' ')[1];
        var colon = target.LastIndexOf(':');
        var authorization = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase));
        if (RequireCredentials && authorization is null)
        {
            await client.WriteAsync(
                "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), stopping);
            return;
        }

        if (Refuse || !head.StartsWith("CONNECT ", StringComparison.Ordinal) || target[..colon] is not ("127.0.0.1" or "localhost"))
        {
            var echo = authorization ?? "no way";
            await client.WriteAsync(Encoding.Latin1.GetBytes(
                $"HTTP/1.1 407 Denied {echo}\r\nContent-Length: {echo.Length}\r\nConnection: close\r\n\r\n{echo}"), stopping);
            return;
        }

        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(target[(colon + 1)..], CultureInfo.InvariantCulture), stopping);
        await client.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), stopping);
        var far = upstream.GetStream();
        await Task.WhenAny(client.CopyToAsync(far, stopping), far.CopyToAsync(client, stopping));
    }

    // Byte by byte up to the blank line: nothing of the tunnel's first bytes may be consumed here.
    private static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken stopping)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, stopping) == 0)
            {
                throw new IOException("the client left before its request ended");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
