using System.Globalization;

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
