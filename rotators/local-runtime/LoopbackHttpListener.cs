using System.Net;
using System.Net.Sockets;

namespace EscRotators.LocalRuntime;

/// <summary>
/// A bare HTTP/1.1 listener on 127.0.0.1: reads requests off each kept-alive connection and hands them, with the
/// connection's stream, to a callback that writes whatever bytes it likes. Built on a <see cref="TcpListener"/>
/// so it can bind port 0 and break connections on purpose.
/// </summary>
public sealed class LoopbackHttpListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<LocalHttpRequest, Stream, CancellationToken, Task<bool>> _handle;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _connectionsAccepted;

    private LoopbackHttpListener(TcpListener listener, Func<LocalHttpRequest, Stream, CancellationToken, Task<bool>> handle)
    {
        _listener = listener;
        _handle = handle;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections clients opened so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>Starts listening on 127.0.0.1; port 0 picks a free one.</summary>
    /// <param name="port">The port, or 0.</param>
    /// <param name="handle">
    /// Answers one request on its connection's stream; returns false when the connection must be closed instead of
    /// kept alive. Its token is cancelled when the listener is disposed.
    /// </param>
    public static LoopbackHttpListener Start(int port, Func<LocalHttpRequest, Stream, CancellationToken, Task<bool>> handle)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new LoopbackHttpListener(listener, handle);
    }

    /// <summary>Forgets the connections counted so far (e.g. the host's own warm-up).</summary>
    public void ResetConnectionsAccepted() => Interlocked.Exchange(ref _connectionsAccepted, 0);

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll([_acceptLoop, .. connections]).WaitAsync(TimeSpan.FromSeconds(5));
        _shutdown.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_shutdown.Token);

                // Headers and body may go out in separate writes; without this, Nagle plus delayed ACKs stall each reply ~40 ms.
                client.NoDelay = true;
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Shutting down; a listener stopped between two accepts says "not listening".
                return;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            lock (_connections)
            {
                _connections.Add(ServeConnectionAsync(client));
            }
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var reader = new HttpRequestReader(stream);
            try
            {
                while (await reader.ReadAsync(_shutdown.Token) is { } request)
                {
                    if (!await _handle(request, stream, _shutdown.Token))
                    {
                        return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server is shutting down.
            }
        }
    }
}
