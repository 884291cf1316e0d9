using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// An HTTP proxy on 127.0.0.1 that serves CONNECT tunnels to loopback ports only and records each request's head;
/// or refuses every tunnel with 407 when <see cref="Refuse"/> is set.
/// </summary>
internal sealed class ConnectProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<string> _heads = [];
    private readonly Task _accepting;

    public ConnectProxy()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public bool Refuse { get; init; }

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

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                lock (_heads)
                {
                    _heads.Add(head);
                }

                var target = head.Split(' ')[1];
                var colon = target.LastIndexOf(':');
                if (Refuse || !head.StartsWith("CONNECT ", StringComparison.Ordinal) || target[..colon] is not ("127.0.0.1" or "localhost"))
                {
                    await stream.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 6\r\n\r\nno way"u8.ToArray(), _stopping.Token);
                    return;
                }

                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, int.Parse(target[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), _stopping.Token);
                await stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), _stopping.Token);
                var far = upstream.GetStream();
                await Task.WhenAny(stream.CopyToAsync(far, _stopping.Token), far.CopyToAsync(stream, _stopping.Token));
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // A client or target that went away: the tunnel ends with it.
            }
        }
    }

    // Byte by byte up to the blank line: nothing of the tunnel's first bytes may be consumed here.
    private async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stopping.Token) == 0)
            {
                throw new IOException("the client left before its request ended");
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
