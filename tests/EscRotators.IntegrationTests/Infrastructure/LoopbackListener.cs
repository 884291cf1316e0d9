using System.Net;
using System.Net.Sockets;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP listener on 127.0.0.1 (a free port) that hands every connection to a callback until disposed; the loopback
/// half of the fake servers. A client hanging up ends its connection quietly.
/// </summary>
internal sealed class LoopbackListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<NetworkStream, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    private LoopbackListener(Func<NetworkStream, CancellationToken, Task> serve)
    {
        _serve = serve;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    /// <param name="serve">Talks to one client; its token is cancelled when the listener is disposed.</param>
    public static LoopbackListener Start(Func<NetworkStream, CancellationToken, Task> serve) => new(serve);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _serve(client.GetStream(), _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up (what a client refusing to go on does), or the listener is stopping.
            }
        }
    }
}
