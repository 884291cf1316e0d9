using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text;

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

/// <summary>One HTTP/1.1 request as read off the wire by <see cref="HttpRequestReader"/>.</summary>
public sealed record LocalHttpRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body);

/// <summary>
/// Reads HTTP/1.1 requests with Content-Length or chunked bodies from a keep-alive connection: just enough HTTP
/// for the requests runtimes send to the Runtime API (Go's net/http streams responses chunked), and no
/// dependency on an HTTP server stack.
/// </summary>
public sealed class HttpRequestReader(Stream stream)
{
    private byte[] _buffer = new byte[8192];
    private int _buffered;

    /// <returns>The next request, or null when the peer closed the connection.</returns>
    public async Task<LocalHttpRequest?> ReadAsync(CancellationToken cancellationToken)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, _buffered).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var lines = Encoding.Latin1.GetString(_buffer, 0, headerEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        Consume(headerEnd + 4);
        var body = headers.TryGetValue("Transfer-Encoding", out var coding)
            && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
                ? await ReadChunkedAsync(cancellationToken)
                : await ReadExactlyAsync(
                    headers.TryGetValue("Content-Length", out var length) ? int.Parse(length, CultureInfo.InvariantCulture) : 0,
                    cancellationToken);
        if (body is null)
        {
            return null;
        }

        return new LocalHttpRequest(requestLine[0], requestLine[1], headers, body);
    }

    /// <summary>The next <paramref name="count"/> bytes; null when the peer closed the connection first.</summary>
    private async Task<byte[]?> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        while (_buffered < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var bytes = _buffer.AsSpan(0, count).ToArray();
        Consume(count);
        return bytes;
    }

    /// <summary>One line without its CRLF; null when the peer closed the connection first.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(0, _buffered).IndexOf("\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var line = Encoding.Latin1.GetString(_buffer, 0, end);
        Consume(end + 2);
        return line;
    }

    /// <summary>A chunked body: hex size lines (extensions ignored), data, a zero chunk, trailers, an empty line.</summary>
    private async Task<byte[]?> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (await ReadLineAsync(cancellationToken) is { } sizeLine)
        {
            var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (await ReadLineAsync(cancellationToken) is { } trailer)
                {
                    if (trailer.Length == 0)
                    {
                        return body.ToArray();
                    }
                }

                return null;
            }

            if (await ReadExactlyAsync(size + 2, cancellationToken) is not { } chunk)
            {
                return null;
            }

            body.Write(chunk, 0, size);
        }

        return null;
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _buffered - count);
        _buffered -= count;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        _buffered += read;
        return read > 0;
    }
}
