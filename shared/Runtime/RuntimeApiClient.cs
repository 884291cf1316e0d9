using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text.Json;
using System.Text;

namespace EscRotators.Runtime;

/// <summary>
/// Typed client for the Lambda Runtime API, version 2018-06-01, over one kept-alive HTTP/1.1 connection
/// (<see cref="RuntimeApiConnection"/>): the API is a local endpoint, so a general HTTP stack would only add
/// start-up time, memory and size.
/// </summary>
public sealed class RuntimeApiClient : IRuntimeApiClient, IDisposable
{
    /// <summary>Name of the environment variable through which Lambda passes the API's host:port.</summary>
    public const string AddressEnvironmentVariable = "AWS_LAMBDA_RUNTIME_API";

    /// <summary>
    /// How long a POST may wait for the API's answer. A local API answers at once; one that does not is broken,
    /// and failing lets the loop go on (or the process exit) instead of hanging until Lambda kills it.
    /// /next has no limit: it waits for the next event, which can take arbitrarily long.
    /// </summary>
    public static readonly TimeSpan PostTimeout = TimeSpan.FromSeconds(10);

    internal const string UserAgent = "EscRotators/0.1";

    private const string RuntimePath = "/2018-06-01/runtime/";
    private const string NextInvocationPath = RuntimePath + "invocation/next";
    private const string InitializationErrorPath = RuntimePath + "init/error";

    // The largest Unix time in milliseconds that DateTimeOffset can represent (9999-12-31T23:59:59.999Z).
    private const long MaxUnixTimeMilliseconds = 253_402_300_799_999;

    private readonly RuntimeApiConnection _connection;
    private readonly TimeProvider _timeProvider;

    /// <param name="runtimeApiAddress">The API's host:port, as found in AWS_LAMBDA_RUNTIME_API.</param>
    /// <param name="timeProvider">The clock of <see cref="PostTimeout"/>. Defaults to <see cref="TimeProvider.System"/>.</param>
    public RuntimeApiClient(string runtimeApiAddress, TimeProvider? timeProvider = null)
    {
        _connection = new RuntimeApiConnection(runtimeApiAddress, UserAgent);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates a client for the address Lambda puts in AWS_LAMBDA_RUNTIME_API.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set: this is not a Lambda execution environment.</exception>
    public static RuntimeApiClient FromEnvironment(TimeProvider? timeProvider = null)
    {
        var address = Environment.GetEnvironmentVariable(AddressEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new InvalidOperationException(
                $"{AddressEnvironmentVariable} is not set; the process is not running inside a Lambda execution environment.");
        }

        return new RuntimeApiClient(address, timeProvider);
    }

    /// <summary>Waits, without a timeout, until Lambda hands out the next event.</summary>
    /// <exception cref="IOException">The API could not be reached or the connection broke; worth retrying.</exception>
    /// <exception cref="RuntimeApiException">The API answered with an error or without a request id.</exception>
    public async Task<InvocationRequest> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        var response = await _connection.SendAsync("GET", NextInvocationPath, ReadOnlyMemory<byte>.Empty, [], cancellationToken)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw RuntimeApiException.FromResponse("/next", response);
        }

        var requestId = response.Header(RuntimeApiHeaders.AwsRequestId)
            ?? throw new RuntimeApiException(
                $"The Runtime API answered /next without a {RuntimeApiHeaders.AwsRequestId} header.",
                response.StatusCode);

        var context = new LambdaContext(
            requestId,
            ParseDeadline(response.Header(RuntimeApiHeaders.DeadlineMs)),
            response.Header(RuntimeApiHeaders.TraceId));
        return new InvocationRequest(response.Body, context);
    }

    /// <summary>Posts the handler's reply for an invocation.</summary>
    /// <exception cref="IOException">The API could not be reached, broke the connection, or did not answer in time.</exception>
    /// <exception cref="RuntimeApiException">The API refused the reply.</exception>
    public Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        PostAsync(InvocationPath(requestId, "/response"), body, [], cancellationToken);

    /// <summary>Reports that the handler failed this invocation (a Function.UnhandledException error).</summary>
    public Task ReportInvocationErrorAsync(string requestId, Exception exception, CancellationToken cancellationToken) =>
        PostErrorAsync(InvocationPath(requestId, "/error"), RuntimeApiHeaders.UnhandledFunctionError, exception, cancellationToken);

    /// <summary>Reports that initialisation failed before the loop started (a Runtime.InitError error).</summary>
    public Task ReportInitializationErrorAsync(Exception exception, CancellationToken cancellationToken) =>
        PostErrorAsync(InitializationErrorPath, RuntimeApiHeaders.InitializationError, exception, cancellationToken);

    public void Dispose() => _connection.Dispose();

    // A missing or malformed deadline is treated as "none known" rather than failing the invocation.
    private static DateTimeOffset ParseDeadline(string? unixMilliseconds) =>
        long.TryParse(unixMilliseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
        && milliseconds <= MaxUnixTimeMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : DateTimeOffset.MaxValue;

    private static string InvocationPath(string requestId, string action)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);

        return string.Concat(RuntimePath, "invocation/", Uri.EscapeDataString(requestId), action);
    }

    private Task PostErrorAsync(string path, string errorType, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);

        return PostAsync(
            path,
            LambdaErrorPayload.Create(exception),
            [
                new(RuntimeApiHeaders.FunctionErrorType, errorType),
                new("Content-Type", RuntimeApiHeaders.ErrorContentType),
            ],
            cancellationToken);
    }

    private async Task PostAsync(
        string path,
        ReadOnlyMemory<byte> body,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(PostTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        RuntimeApiResponse response;
        try
        {
            response = await _connection.SendAsync("POST", path, body, headers, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException(string.Create(
                CultureInfo.InvariantCulture,
                $"The Runtime API did not answer a POST within {PostTimeout.TotalSeconds:0} s."));
        }

        if (!response.IsSuccessStatusCode)
        {
            throw RuntimeApiException.FromResponse(path, response);
        }
    }
}

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

/// <summary>
/// Reads HTTP/1.1 responses from one connection: a status line, headers, and a body framed by Content-Length,
/// chunked transfer coding, or the end of the connection. Just the HTTP the Runtime API speaks, with bounds
/// on what a broken peer could make it buffer.
/// </summary>
internal sealed class RuntimeApiResponseReader
{
    /// <summary>Status line plus headers; the Runtime API sends well under 8 KB.</summary>
    internal const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Lambda's largest payload is 6 MB (20 MB streamed); a body beyond this is not the Runtime API's.</summary>
    internal const int MaxBodyBytes = 32 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    public RuntimeApiResponseReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    /// <summary>Whether any byte of the current response has arrived (a request that saw none may be resent).</summary>
    public bool ReceivedAny { get; private set; }

    /// <summary>Starts a new response: called before its request is written.</summary>
    public void ExpectResponse() => ReceivedAny = _end > _start;

    /// <summary>Whether the connection may carry another request after the last response read.</summary>
    public bool KeepAlive { get; private set; }

    /// <exception cref="IOException">The connection ended early or the response is not valid HTTP/1.x.</exception>
    public async Task<RuntimeApiResponse> ReadAsync(CancellationToken cancellationToken)
    {
        KeepAlive = false;
        while (true)
        {
            var statusLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var (version, status, reason) = ParseStatusLine(statusLine);
            var headers = await ReadHeadersAsync(cancellationToken).ConfigureAwait(false);

            // 1xx are interim responses; the final one follows on the same connection.
            if (status is >= 100 and <= 199)
            {
                continue;
            }

            var body = await ReadBodyAsync(status, headers, cancellationToken).ConfigureAwait(false);
            KeepAlive &= version == "HTTP/1.1" && !HasToken(headers, "Connection", "close");
            return new RuntimeApiResponse((HttpStatusCode)status, reason, headers, body);
        }
    }

    private static (string Version, int Status, string Reason) ParseStatusLine(string line)
    {
        // "HTTP/1.1 202 Accepted"; the reason phrase may be empty or contain spaces.
        var parts = line.Split(' ', 3);
        if (parts.Length < 2
            || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || parts[1].Length != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || status < 100)
        {
            throw Malformed("status line");
        }

        return (parts[0], status, parts.Length == 3 ? parts[2] : string.Empty);
    }

    private static bool HasToken(Dictionary<string, string> headers, string name, string token) =>
        headers.TryGetValue(name, out var value)
        && value.Split(',', StringSplitOptions.TrimEntries).Contains(token, StringComparer.OrdinalIgnoreCase);

    private static IOException Malformed(string part) =>
        new($"The Runtime API sent a malformed HTTP response ({part}).");

    private static IOException TooLarge(string part) =>
        new($"The Runtime API sent a response whose {part} is too large.");

    private async Task<Dictionary<string, string>> ReadHeadersAsync(CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } line)
        {
            total += line.Length + 2;
            if (total > MaxHeaderBytes)
            {
                throw TooLarge("header section");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed("header");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();

            // Repeated headers combine into one comma-separated value, as HTTP defines.
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        return headers;
    }

    private async Task<byte[]> ReadBodyAsync(int status, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        KeepAlive = true;
        if (status is 204 or 304)
        {
            return [];
        }

        if (HasToken(headers, "Transfer-Encoding", "chunked"))
        {
            return await ReadChunkedBodyAsync(cancellationToken).ConfigureAwait(false);
        }

        if (headers.TryGetValue("Content-Length", out var length))
        {
            if (!long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var contentLength))
            {
                throw Malformed("Content-Length");
            }

            if (contentLength > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            var body = new byte[contentLength];
            await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            return body;
        }

        // Neither: the body is everything until the server closes the connection.
        KeepAlive = false;
        return await ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> ReadChunkedBodyAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            // "1a2b;extension=value": the size in hex, extensions ignored.
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            var hex = (semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim();
            if (hex.Length is 0 or > 8 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw Malformed("chunk size");
            }

            if (size == 0)
            {
                // Trailer fields, if any, end with an empty line; none of them matter here.
                while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 })
                {
                }

                return body.ToArray();
            }

            if (body.Length + size > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            var chunk = new byte[size];
            await ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
            body.Write(chunk);
            if (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 })
            {
                throw Malformed("chunk end");
            }
        }
    }

    private async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        body.Write(_buffer, _start, _end - _start);
        _start = _end = 0;
        while (await FillAsync(cancellationToken).ConfigureAwait(false))
        {
            if (body.Length + _end > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            body.Write(_buffer, 0, _end);
            _start = _end = 0;
        }

        return body.ToArray();
    }

    /// <summary>Fills <paramref name="target"/> from what is buffered, then straight from the stream.</summary>
    private async Task ReadExactlyAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(_end - _start, target.Length);
        _buffer.AsMemory(_start, buffered).CopyTo(target);
        _start += buffered;
        var filled = buffered;
        while (filled < target.Length)
        {
            var read = await _stream.ReadAsync(target[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The Runtime API closed the connection in the middle of a response body.");
            }

            ReceivedAny = true;
            filled += read;
        }
    }

    /// <summary>One line without its CRLF, decoded as Latin-1 (HTTP's header charset).</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= MaxHeaderBytes)
            {
                throw TooLarge("header section");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException(ReceivedAny
                    ? "The Runtime API closed the connection in the middle of a response."
                    : "The Runtime API closed the connection without answering.");
            }
        }

        var line = Encoding.Latin1.GetString(_buffer, _start, end);
        _start += end + 2;
        return line;
    }

    /// <summary>Reads more into the buffer, compacting or growing it first; false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        ReceivedAny |= read > 0;
        return read > 0;
    }
}

/// <summary>Header names and values of the Lambda Runtime API, version 2018-06-01.</summary>
internal static class RuntimeApiHeaders
{
    public const string AwsRequestId = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineMs = "Lambda-Runtime-Deadline-Ms";
    public const string TraceId = "Lambda-Runtime-Trace-Id";
    public const string FunctionErrorType = "Lambda-Runtime-Function-Error-Type";

    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";
    public const string UnhandledFunctionError = "Function.UnhandledException";
    public const string InitializationError = "Runtime.InitError";
}

/// <summary>One HTTP response of the Runtime API: status, headers (names compared case-insensitively) and body.</summary>
internal sealed class RuntimeApiResponse
{
    private readonly Dictionary<string, string> _headers;

    public RuntimeApiResponse(HttpStatusCode statusCode, string reasonPhrase, Dictionary<string, string> headers, byte[] body)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        _headers = headers;
        Body = body;
    }

    public HttpStatusCode StatusCode { get; }

    public string ReasonPhrase { get; }

    public byte[] Body { get; }

    public bool IsSuccessStatusCode => (int)StatusCode is >= 200 and <= 299;

    /// <summary>The header's value; null when it is absent or empty.</summary>
    public string? Header(string name) =>
        _headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}

/// <summary>
/// Writes the standard Lambda error document {"errorMessage","errorType","stackTrace"}.
/// Written with <see cref="Utf8JsonWriter"/> directly: three fields do not justify a serializer context.
/// </summary>
internal static class LambdaErrorPayload
{
    public static ReadOnlyMemory<byte> Create(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("errorMessage"u8, exception.Message);
            writer.WriteString("errorType"u8, exception.GetType().Name);
            writer.WriteStartArray("stackTrace"u8);
            foreach (var line in StackTraceLines(exception))
            {
                writer.WriteStringValue(line);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary>The exception's own stack trace, one frame per entry; empty when it was never thrown.</summary>
    internal static string[] StackTraceLines(Exception exception) =>
        exception.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
