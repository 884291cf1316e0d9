using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace EscRotators.Runtime;

/// <summary>Thin typed client for the Lambda Runtime API, version 2018-06-01.</summary>
public sealed class RuntimeApiClient : IDisposable
{
    /// <summary>Name of the environment variable through which Lambda passes the API's host:port.</summary>
    public const string AddressEnvironmentVariable = "AWS_LAMBDA_RUNTIME_API";

    internal const string UserAgent = "EscRotators/0.1";

    // The largest Unix time in milliseconds that DateTimeOffset can represent (9999-12-31T23:59:59.999Z).
    private const long MaxUnixTimeMilliseconds = 253_402_300_799_999;

    private readonly HttpClient _httpClient;
    private readonly TimeProvider _timeProvider;
    private readonly Uri _runtimeUri;
    private readonly Uri _nextInvocationUri;
    private readonly Uri _initializationErrorUri;

    /// <param name="runtimeApiAddress">The API's host:port, as found in AWS_LAMBDA_RUNTIME_API.</param>
    /// <param name="handler">Transport to use instead of a private <see cref="SocketsHttpHandler"/>; not disposed by this client.</param>
    /// <param name="time">The clock given to each <see cref="LambdaContext"/>. Defaults to <see cref="TimeProvider.System"/>.</param>
    public RuntimeApiClient(string runtimeApiAddress, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeApiAddress);

        _runtimeUri = new Uri($"http://{runtimeApiAddress}/2018-06-01/runtime/", UriKind.Absolute);
        _nextInvocationUri = new Uri(_runtimeUri, "invocation/next");
        _initializationErrorUri = new Uri(_runtimeUri, "init/error");
        _timeProvider = time ?? TimeProvider.System;

        _httpClient = handler is null
            ? new HttpClient(CreateDefaultHandler(), disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);

        // /next blocks until Lambda has an event for us, which can take arbitrarily long.
        _httpClient.Timeout = Timeout.InfiniteTimeSpan;
        _httpClient.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
    }

    /// <summary>The timeout applied to every request; infinite so that /next can wait for events.</summary>
    internal TimeSpan RequestTimeout => _httpClient.Timeout;

    /// <summary>Creates a client for the address Lambda puts in AWS_LAMBDA_RUNTIME_API.</summary>
    /// <exception cref="InvalidOperationException">The variable is not set: this is not a Lambda execution environment.</exception>
    public static RuntimeApiClient FromEnvironment(HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        string? address = Environment.GetEnvironmentVariable(AddressEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new InvalidOperationException(
                $"{AddressEnvironmentVariable} is not set; the process is not running inside a Lambda execution environment.");
        }

        return new RuntimeApiClient(address, handler, time);
    }

    /// <summary>Waits, without a timeout, until Lambda hands out the next event.</summary>
    /// <exception cref="HttpRequestException">The API could not be reached; worth retrying.</exception>
    /// <exception cref="RuntimeApiException">The API answered with an error or without a request id.</exception>
    public async Task<InvocationRequest> GetNextInvocationAsync(CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _httpClient
            .GetAsync(_nextInvocationUri, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);

        if (!response.IsSuccessStatusCode)
        {
            throw await RuntimeApiException.FromResponseAsync("/next", response, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseHeaders headers = response.Headers;
        string requestId = GetHeader(headers, RuntimeApiHeaders.AwsRequestId)
            ?? throw new RuntimeApiException(
                $"The Runtime API answered /next without a {RuntimeApiHeaders.AwsRequestId} header.",
                response.StatusCode);

        var context = new LambdaContext(
            requestId,
            ParseDeadline(GetHeader(headers, RuntimeApiHeaders.DeadlineMs)),
            GetHeader(headers, RuntimeApiHeaders.InvokedFunctionArn),
            GetHeader(headers, RuntimeApiHeaders.TraceId),
            _timeProvider)
        {
            ClientContext = GetHeader(headers, RuntimeApiHeaders.ClientContext),
            CognitoIdentity = GetHeader(headers, RuntimeApiHeaders.CognitoIdentity),
        };

        byte[] payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new InvocationRequest(payload, context);
    }

    /// <summary>Posts the handler's reply for an invocation.</summary>
    public async Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(body);
        using HttpResponseMessage response = await _httpClient
            .PostAsync(InvocationUri(requestId, "/response"), content, cancellationToken)
            .ConfigureAwait(false);

        await EnsureAcceptedAsync("/response", response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports that the handler failed this invocation (a Function.UnhandledException error).</summary>
    public Task ReportInvocationErrorAsync(string requestId, Exception exception, CancellationToken cancellationToken) =>
        PostErrorAsync(
            InvocationUri(requestId, "/error"),
            RuntimeApiHeaders.UnhandledFunctionError,
            exception,
            cancellationToken);

    /// <summary>Reports that initialisation failed before the loop started (a Runtime.InitError error).</summary>
    public Task ReportInitializationErrorAsync(Exception exception, CancellationToken cancellationToken) =>
        PostErrorAsync(_initializationErrorUri, RuntimeApiHeaders.InitializationError, exception, cancellationToken);

    public void Dispose() => _httpClient.Dispose();

    private static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        // The Runtime API is a local endpoint: an HTTP(S)_PROXY meant for outbound traffic must not apply,
        // and there is nothing to redirect, decompress or remember.
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    };

    private static string? GetHeader(HttpResponseHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out HeaderStringValues values) && values.Count > 0
            ? NullIfEmpty(values.ToString())
            : null;

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    // A missing or malformed deadline is treated as "none known" rather than failing the invocation.
    private static DateTimeOffset ParseDeadline(string? unixMilliseconds) =>
        long.TryParse(unixMilliseconds, NumberStyles.None, CultureInfo.InvariantCulture, out long milliseconds)
        && milliseconds <= MaxUnixTimeMilliseconds
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : DateTimeOffset.MaxValue;

    private static async Task EnsureAcceptedAsync(
        string endpoint,
        HttpResponseMessage response,
        CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await RuntimeApiException.FromResponseAsync(endpoint, response, cancellationToken).ConfigureAwait(false);
        }
    }

    private Uri InvocationUri(string requestId, string action)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);

        return new Uri(_runtimeUri, string.Concat("invocation/", Uri.EscapeDataString(requestId), action));
    }

    private async Task PostErrorAsync(Uri uri, string errorType, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);

        using var content = new ReadOnlyMemoryContent(LambdaErrorPayload.Create(exception));
        content.Headers.TryAddWithoutValidation("Content-Type", RuntimeApiHeaders.ErrorContentType);

        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation(RuntimeApiHeaders.FunctionErrorType, errorType);

        using HttpResponseMessage response = await _httpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureAcceptedAsync(uri.AbsolutePath, response, cancellationToken).ConfigureAwait(false);
    }
}
