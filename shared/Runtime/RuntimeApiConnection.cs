using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.Runtime;

/// <summary>
/// One kept-alive HTTP/1.1 connection to the Runtime API, opened on first use and reopened when the server
/// closed it. Requests go one at a time, as the invocation loop makes them. Plain HTTP to a local address
/// only: no proxy, TLS, redirects, cookies or compression, which is all the Runtime API needs.
/// </summary>
internal sealed class RuntimeApiConnection : IDisposable
{
    // Headers and a small body go out in one write; bigger bodies follow in a second one.
    private const int CoalesceBodyBytes = 16 * 1024;

    private readonly string _host;
    private readonly int _port;
    private readonly string _hostHeader;
    private readonly string _userAgent;
    private NetworkStream? _stream;
    private RuntimeApiResponseReader? _reader;
    private int _busy;
    private bool _disposed;

    /// <param name="address">host:port, [IPv6]:port, or an IP address and port.</param>
    /// <exception cref="ArgumentException">The address has no valid port.</exception>
    public RuntimeApiConnection(string address, string userAgent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        (_host, _port) = ParseAddress(address);
        _hostHeader = address;
        _userAgent = userAgent;
    }

    /// <summary>How many connections were opened so far (the first and every reconnect).</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>
    /// Sends one request and reads its response. A request that got no byte back on a reused connection (the server
    /// had closed it) is sent once more on a fresh one, as HTTP clients do for idle connections.
    /// </summary>
    /// <exception cref="IOException">The API could not be reached, or the connection broke; worth retrying.</exception>
    public async Task<RuntimeApiResponse> SendAsync(
        string method,
        string path,
        ReadOnlyMemory<byte> body,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException("The Runtime API connection carries one request at a time.");
        }

        try
        {
            var head = RequestHead(method, path, body.Length, headers);
            var reused = _stream is not null;
            try
            {
                return await SendOnceAsync(head, body, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (reused && _reader is { ReceivedAny: false } && !cancellationToken.IsCancellationRequested)
            {
                Close();
                return await SendOnceAsync(head, body, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Whatever failed (a broken socket, a cancelled read), the connection is in an unknown state.
            Close();
            throw;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Close();
    }

    private static (string Host, int Port) ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{address}' is not a host:port address.", nameof(address));
        }

        return (address[..colon].Trim('[', ']'), port);
    }

    private byte[] RequestHead(string method, string path, int contentLength, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var head = new StringBuilder(256)
            .Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(_hostHeader).Append("\r\n")
            .Append("User-Agent: ").Append(_userAgent).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (method != "GET")
        {
            head.Append("Content-Length: ").Append(contentLength.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private async Task<RuntimeApiResponse> SendOnceAsync(byte[] head, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var (stream, reader) = _stream is { } open && _reader is { } openReader
            ? (open, openReader)
            : await ConnectAsync(cancellationToken).ConfigureAwait(false);
        reader.ExpectResponse();
        if (body.Length <= CoalesceBodyBytes)
        {
            var request = new byte[head.Length + body.Length];
            head.CopyTo(request, 0);
            body.CopyTo(request.AsMemory(head.Length));
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await stream.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        }

        var response = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.KeepAlive)
        {
            Close();
        }

        return response;
    }

    private async Task<(NetworkStream Stream, RuntimeApiResponseReader Reader)> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint endpoint = IPAddress.TryParse(_host, out var ip) ? new IPEndPoint(ip, _port) : new DnsEndPoint(_host, _port);
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"The Runtime API at {_hostHeader} could not be reached ({e.SocketErrorCode}).", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new RuntimeApiResponseReader(stream);
        (_stream, _reader) = (stream, reader);
        ConnectionsOpened++;
        return (stream, reader);
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
        _reader = null;
    }
}
