using System.Net;
using System.Net.Sockets;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>
/// A blackholed database on 127.0.0.1: it completes the TCP handshake, accepts the connection and never sends
/// a byte, so the client waits on the greeting (MySQL) or the authentication reply (PostgreSQL) until it gives up.
/// </summary>
internal sealed class SilentListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<TcpClient> _accepted = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private SilentListener(TcpListener listener)
    {
        _listener = listener;
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int AcceptedConnections
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    public static SilentListener Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new SilentListener(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_accepted)
        {
            foreach (var client in _accepted)
            {
                client.Dispose();
            }

            _accepted.Clear();
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            // Held open and never read from or written to.
            lock (_accepted)
            {
                _accepted.Add(client);
            }
        }
    }
}
