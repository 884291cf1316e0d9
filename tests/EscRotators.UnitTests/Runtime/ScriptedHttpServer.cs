using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EscRotators.UnitTests.Runtime;

/// <summary>
/// A loopback HTTP/1.1 server that answers requests, in order, with exactly the bytes scripted for them, whatever
/// the connection: for framings and failures the Local Runtime API never produces (chunked bodies, closed
/// connections, malformed or endless responses).
/// </summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Channel<ScriptedReply> _replies = Channel.CreateUnbounded<ScriptedReply>();
    private readonly Channel<LocalHttpRequest> _requests = Channel.CreateUnbounded<LocalHttpRequest>();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private int _connectionsAccepted;

    private ScriptedHttpServer(IEnumerable<ScriptedReply> replies)
    {
        foreach (var reply in replies)
        {
            _replies.Writer.TryWrite(reply);
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public int ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    public static ScriptedHttpServer Start(params ScriptedReply[] replies) => new(replies);

    /// <summary>The next request received, in arrival order.</summary>
    public async Task<LocalHttpRequest> WaitForRequestAsync() =>
        await _requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

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
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Shutting down; a listener stopped between two accepts says "not listening".
                return;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var reader = new HttpRequestReader(stream);
            try
            {
                while (await reader.ReadAsync(_shutdown.Token) is { } request)
                {
                    _requests.Writer.TryWrite(request);
                    var reply = await _replies.Reader.ReadAsync(_shutdown.Token);
                    if (ReferenceEquals(reply, ScriptedReply.Silence))
                    {
                        await Task.Delay(Timeout.Infinite, _shutdown.Token);
                    }

                    await stream.WriteAsync(reply.Bytes, _shutdown.Token);
                    if (reply.CloseAfter)
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
