using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text;
using System.Threading.Channels;

namespace EscRotators.LocalRuntime;

/// <summary>
/// An in-process fake of the Lambda Runtime API on 127.0.0.1: hands out queued events on /next and
/// records every response, invocation error and init error posted back, headers included.
/// Built on <see cref="LoopbackHttpListener"/> so it can bind port 0 and break connections on purpose.
/// Used by the unit tests of the Runtime API client and, through <see cref="LambdaProcess"/>, to run the
/// published bootstrap as Lambda would.
/// </summary>
public sealed class LocalRuntimeApi : IAsyncDisposable
{
    private const string RuntimePrefix = "/2018-06-01/runtime/";
    private const string InvocationPrefix = RuntimePrefix + "invocation/";

    private readonly Channel<QueuedInvocation> _invocations = Channel.CreateUnbounded<QueuedInvocation>();
    private readonly Channel<RecordedPost> _posts = Channel.CreateUnbounded<RecordedPost>();
    private readonly Channel<int> _nextArrivals = Channel.CreateUnbounded<int>();
    private readonly ConcurrentDictionary<string, HttpStatusCode> _responseStatusOverrides = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<HandedOutInvocation>> _handOuts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly LoopbackHttpListener _listener;
    private int _nextRequestsToBreak;
    private HttpStatusCode? _nextStatusOverride;
    private int _nextRequestCount;
    private long _firstNextRequestTimestamp;

    private LocalRuntimeApi(int port)
    {
        _listener = LoopbackHttpListener.Start(port, HandleAsync);
    }

    /// <summary>host:port, as Lambda would put it in AWS_LAMBDA_RUNTIME_API.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int Port => _listener.Port;

    /// <summary>How many connections clients opened so far.</summary>
    public int ConnectionsAccepted => _listener.ConnectionsAccepted;

    /// <summary>How many GET /next requests arrived, broken ones included.</summary>
    public int NextRequestCount => Volatile.Read(ref _nextRequestCount);

    /// <summary>A <see cref="Stopwatch"/> timestamp of the first GET /next (the runtime finished initialising); null before.</summary>
    public long? FirstNextRequestTimestamp =>
        Interlocked.Read(ref _firstNextRequestTimestamp) is var timestamp and not 0 ? timestamp : null;

    /// <summary>Starts listening on 127.0.0.1; port 0 picks a free one.</summary>
    public static LocalRuntimeApi Start(int port = 0)
    {
        var api = new LocalRuntimeApi(port);
        api.WarmUp();
        return api;
    }

    /// <summary>Finds a port nothing is listening on, for tests that need "connection refused" first.</summary>
    public static int FindFreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Enqueue(QueuedInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        _handOuts.TryAdd(invocation.RequestId, NewHandOut());
        _invocations.Writer.TryWrite(invocation);
    }

    /// <summary>Completes when the queued invocation <paramref name="requestId"/> has been handed out on /next.</summary>
    public Task<HandedOutInvocation> WaitForHandOutAsync(string requestId, CancellationToken cancellationToken) =>
        _handOuts.GetOrAdd(requestId, static _ => NewHandOut()).Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Breaks the next <paramref name="count"/> /next requests: half a status line, then the connection closes.
    /// (A connection closed before any byte is answered would be resent by the client and never surface.)
    /// </summary>
    public void BreakNextRequests(int count)
    {
        lock (_gate)
        {
            _nextRequestsToBreak = count;
        }
    }

    /// <summary>Answers every later /next with this status and a Lambda-style error body.</summary>
    public void FailNextRequestsWith(HttpStatusCode status)
    {
        lock (_gate)
        {
            _nextStatusOverride = status;
        }
    }

    /// <summary>Answers the response POST for <paramref name="requestId"/> with this status (it is still recorded).</summary>
    public void FailResponseFor(string requestId, HttpStatusCode status) => _responseStatusOverrides[requestId] = status;

    /// <summary>Completes when the next GET /next (in arrival order) has reached the API, answered or not.</summary>
    public async Task WaitForNextRequestAsync(TimeSpan? timeout = null) =>
        await _nextArrivals.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>The next POST that arrives, in arrival order.</summary>
    public async Task<RecordedPost> WaitForPostAsync(TimeSpan? timeout = null) =>
        await _posts.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    /// <summary>
    /// The next POST, in arrival order. Unlike <see cref="WaitForPostAsync"/>, giving up (cancelling) leaves
    /// no pending read behind that would swallow the POST after it.
    /// </summary>
    public ValueTask<RecordedPost> ReadPostAsync(CancellationToken cancellationToken) => _posts.Reader.ReadAsync(cancellationToken);

    /// <summary>Takes a POST that has already arrived, without waiting.</summary>
    public bool TryReadPost([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RecordedPost? post) => _posts.Reader.TryRead(out post);

    /// <summary>Whether a POST has arrived that no one has waited for yet.</summary>
    public bool HasUnreadPost => _posts.Reader.TryPeek(out _);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    /// <summary>
    /// Sends a GET and a POST to an unknown path (two 404s, nothing recorded) so that this process has compiled its
    /// accept, parse and reply paths before a runtime connects: otherwise the host's own JIT time would be counted
    /// in the runtime's init and cold start.
    /// </summary>
    private void WarmUp()
    {
        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.Write("GET /warm-up HTTP/1.1\r\nHost: local\r\n\r\nPOST /warm-up HTTP/1.1\r\nHost: local\r\nContent-Length: 2\r\n\r\n{}"u8);
            var received = new List<byte>();
            var buffer = new byte[1024];
            while (CountOf(received, "HTTP/1.1 404"u8) < 2 && stream.Read(buffer) is var read and > 0)
            {
                received.AddRange(buffer.AsSpan(0, read));
            }
        }

        // The warm-up is not a runtime's connection.
        _listener.ResetConnectionsAccepted();

        static int CountOf(List<byte> bytes, ReadOnlySpan<byte> value)
        {
            var count = 0;
            ReadOnlySpan<byte> rest = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
            for (int at; (at = rest.IndexOf(value)) >= 0; rest = rest[(at + value.Length)..])
            {
                count++;
            }

            return count;
        }
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.OK => "OK",
        HttpStatusCode.Accepted => "Accepted",
        HttpStatusCode.NotFound => "Not Found",
        _ => "Error",
    };

    private static async Task WriteResponseAsync(
        Stream stream,
        HttpStatusCode status,
        IEnumerable<KeyValuePair<string, string>> headers,
        byte[] body,
        CancellationToken cancellationToken)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {(int)status} {ReasonPhrase(status)}\r\n");
        foreach ((var name, var value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    private static Task WriteStatusAsync(Stream stream, HttpStatusCode status, CancellationToken cancellationToken)
    {
        var body = status is HttpStatusCode.Accepted or HttpStatusCode.OK
            ? "{\"status\":\"OK\"}"u8.ToArray()
            : Encoding.UTF8.GetBytes($"{{\"errorMessage\":\"local runtime API refused\",\"errorType\":\"{status}\"}}");
        return WriteResponseAsync(stream, status, [new("Content-Type", "application/json")], body, cancellationToken);
    }

    private static TaskCompletionSource<HandedOutInvocation> NewHandOut() =>
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static List<KeyValuePair<string, string>> NextHeaders(QueuedInvocation invocation, DateTimeOffset? deadline)
    {
        List<KeyValuePair<string, string>> headers = [new("Lambda-Runtime-Aws-Request-Id", invocation.RequestId)];
        if (deadline is not null)
        {
            headers.Add(new("Lambda-Runtime-Deadline-Ms", deadline.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
        }

        AddIfPresent(headers, "Lambda-Runtime-Invoked-Function-Arn", invocation.InvokedFunctionArn);
        AddIfPresent(headers, "Lambda-Runtime-Trace-Id", invocation.TraceId);
        AddIfPresent(headers, "Lambda-Runtime-Client-Context", invocation.ClientContext);
        AddIfPresent(headers, "Lambda-Runtime-Cognito-Identity", invocation.CognitoIdentity);
        return headers;

        static void AddIfPresent(List<KeyValuePair<string, string>> headers, string name, string? value)
        {
            if (value is not null)
            {
                headers.Add(new(name, value));
            }
        }
    }

    /// <returns>False when the connection must be closed instead of kept alive.</returns>
    private async Task<bool> HandleAsync(LocalHttpRequest request, Stream stream, CancellationToken cancellationToken)
    {
        var path = request.Path;
        if (request.Method == "GET" && path == InvocationPrefix + "next")
        {
            // Taken here, in code the warm-up has already run, so that none of this host's start-up is counted.
            Interlocked.CompareExchange(ref _firstNextRequestTimestamp, Stopwatch.GetTimestamp(), 0);
            return await HandleNextAsync(stream, cancellationToken);
        }

        if (request.Method == "POST" && path == RuntimePrefix + "init/error")
        {
            Record(RuntimeApiPostKind.InitializationError, requestId: null, request);
            await WriteStatusAsync(stream, HttpStatusCode.Accepted, cancellationToken);
            return true;
        }

        if (request.Method == "POST" && path.StartsWith(InvocationPrefix, StringComparison.Ordinal))
        {
            var parts = path[InvocationPrefix.Length..].Split('/');
            if (parts is [string escapedId, string action and ("response" or "error")])
            {
                var requestId = Uri.UnescapeDataString(escapedId);
                var isResponse = action == "response";
                Record(isResponse ? RuntimeApiPostKind.Response : RuntimeApiPostKind.InvocationError, requestId, request);
                var status = isResponse && _responseStatusOverrides.TryGetValue(requestId, out var overridden)
                    ? overridden
                    : HttpStatusCode.Accepted;
                await WriteStatusAsync(stream, status, cancellationToken);
                return true;
            }
        }

        await WriteStatusAsync(stream, HttpStatusCode.NotFound, cancellationToken);
        return true;
    }

    private async Task<bool> HandleNextAsync(Stream stream, CancellationToken cancellationToken)
    {
        var count = Interlocked.Increment(ref _nextRequestCount);
        _nextArrivals.Writer.TryWrite(count);
        HttpStatusCode? statusOverride;
        bool breakConnection;
        lock (_gate)
        {
            breakConnection = _nextRequestsToBreak > 0;
            if (breakConnection)
            {
                _nextRequestsToBreak--;
            }

            statusOverride = _nextStatusOverride;
        }

        if (breakConnection)
        {
            await stream.WriteAsync("HTTP/1.1 2"u8.ToArray(), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            return false;
        }

        if (statusOverride is { } status)
        {
            await WriteStatusAsync(stream, status, cancellationToken);
            return true;
        }

        var invocation = await _invocations.Reader.ReadAsync(cancellationToken);

        // Lambda starts the invocation's clock when it hands the event out, not when it was queued.
        var now = DateTimeOffset.UtcNow;
        var deadline = invocation.Deadline ?? (now + invocation.Timeout);
        var handOut = new HandedOutInvocation(invocation.RequestId, Stopwatch.GetTimestamp(), now, deadline);

        // Recorded before writing, so that a reply racing in on another connection always finds it.
        _handOuts.GetOrAdd(invocation.RequestId, static _ => NewHandOut()).TrySetResult(handOut);
        await WriteResponseAsync(stream, HttpStatusCode.OK, NextHeaders(invocation, deadline), invocation.Payload, cancellationToken);
        return true;
    }

    private void Record(RuntimeApiPostKind kind, string? requestId, LocalHttpRequest request)
    {
        var invocation = requestId is not null
            && _handOuts.TryGetValue(requestId, out var handOut)
            && handOut.Task.IsCompletedSuccessfully
                ? handOut.Task.Result
                : null;
        _posts.Writer.TryWrite(new RecordedPost(kind, requestId, request.Headers, request.Body) { Invocation = invocation });
    }
}

/// <summary>An event that <see cref="LocalRuntimeApi"/> hands out on /next, with the headers it sends along.</summary>
public sealed record QueuedInvocation(string RequestId, byte[] Payload)
{
    /// <summary>Sent as Lambda-Runtime-Deadline-Ms; the header is left out when both this and <see cref="Timeout"/> are null.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>
    /// The function timeout: when set (and <see cref="Deadline"/> is not), the deadline is the moment the event is
    /// handed out plus this, as Lambda computes it when the invocation starts rather than when it was queued.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    public string? InvokedFunctionArn { get; init; }

    public string? TraceId { get; init; }

    public string? ClientContext { get; init; }

    public string? CognitoIdentity { get; init; }
}

/// <summary>When <see cref="LocalRuntimeApi"/> answered a /next request with an event, and the deadline it sent.</summary>
/// <param name="RequestId">The Lambda-Runtime-Aws-Request-Id sent.</param>
/// <param name="Timestamp">A <see cref="System.Diagnostics.Stopwatch"/> timestamp taken just before the event was written.</param>
/// <param name="At">The same moment on the wall clock.</param>
/// <param name="Deadline">The Lambda-Runtime-Deadline-Ms sent, if any.</param>
public sealed record HandedOutInvocation(string RequestId, long Timestamp, DateTimeOffset At, DateTimeOffset? Deadline);

/// <summary>A POST that reached <see cref="LocalRuntimeApi"/>: a response, an invocation error or an init error.</summary>
public sealed record RecordedPost(
    RuntimeApiPostKind Kind,
    string? RequestId,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A <see cref="Stopwatch"/> timestamp taken when the whole request had been read.</summary>
    public long ReceivedTimestamp { get; init; } = Stopwatch.GetTimestamp();

    /// <summary>The same moment on the wall clock, to compare with the deadline that was sent.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The hand-out of the invocation this POST answers; null for init errors and unknown request ids.</summary>
    public HandedOutInvocation? Invocation { get; init; }

    /// <summary>From the event leaving /next to this POST arriving: the invocation's duration as Lambda bills it.</summary>
    public TimeSpan? InvocationDuration =>
        Invocation is { } invocation ? Stopwatch.GetElapsedTime(invocation.Timestamp, ReceivedTimestamp) : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Which Runtime API endpoint a recorded POST went to.</summary>
public enum RuntimeApiPostKind
{
    Response,
    InvocationError,
    InitializationError,
}
