using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EscRotators.SecretsManager;

/// <summary>
/// The five Secrets Manager operations a rotation function needs, as JSON 1.1 POSTs over <see cref="HttpClient"/>,
/// signed with SigV4. Throttling, 5xx answers, attempt timeouts and connection failures are retried with full-jitter
/// exponential backoff while <c>cancellationToken</c> (the caller's deadline) allows; every other error becomes a
/// <see cref="SecretsManagerException"/> at once.
/// </summary>
public sealed class SecretsManagerClient
{
    public const string Service = "secretsmanager";
    private const string ContentType = "application/x-amz-json-1.1";
    private static readonly string UserAgent =
        "escrotators/" + (typeof(SecretsManagerClient).Assembly.GetName().Version?.ToString(3) ?? "0");

    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "ProvisionedThroughputExceededException",
        "InternalServiceError", "InternalFailure", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
    };

    private readonly HttpClient _http;
    private readonly SecretsManagerClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<double> _jitter;
    private readonly SigV4Signer _signer;

    /// <param name="http">The transport; its own <see cref="HttpClient.Timeout"/> should be infinite (the client times attempts itself).</param>
    /// <param name="jitter">Uniform draws in [0, 1) for the backoff; <see cref="Random.Shared"/> unless a test fixes them.</param>
    public SecretsManagerClient(HttpClient http, SecretsManagerClientOptions options, TimeProvider time, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        _http = http;
        _options = options;
        _time = time;
        _jitter = jitter ?? Random.Shared.NextDouble;
        _signer = new SigV4Signer(options.Credentials, options.Region, Service, time);
    }

    public Task<DescribeSecretResponse> DescribeSecretAsync(string secretId, CancellationToken cancellationToken) =>
        CallAsync("DescribeSecret", new DescribeSecretRequest(secretId), SecretsManagerJsonContext.Wire.DescribeSecretRequest,
            SecretsManagerJsonContext.Wire.DescribeSecretResponse, [], cancellationToken);

    public Task<GetSecretValueResponse> GetSecretValueAsync(GetSecretValueRequest request, CancellationToken cancellationToken) =>
        CallAsync("GetSecretValue", request, SecretsManagerJsonContext.Wire.GetSecretValueRequest,
            SecretsManagerJsonContext.Wire.GetSecretValueResponse, [], cancellationToken);

    public Task<PutSecretValueResponse> PutSecretValueAsync(PutSecretValueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync("PutSecretValue", request, SecretsManagerJsonContext.Wire.PutSecretValueRequest,
            SecretsManagerJsonContext.Wire.PutSecretValueResponse, [request.SecretString, request.RotationToken], cancellationToken);
    }

    public Task<UpdateSecretVersionStageResponse> UpdateSecretVersionStageAsync(UpdateSecretVersionStageRequest request, CancellationToken cancellationToken) =>
        CallAsync("UpdateSecretVersionStage", request, SecretsManagerJsonContext.Wire.UpdateSecretVersionStageRequest,
            SecretsManagerJsonContext.Wire.UpdateSecretVersionStageResponse, [], cancellationToken);

    public Task<GetRandomPasswordResponse> GetRandomPasswordAsync(GetRandomPasswordRequest request, CancellationToken cancellationToken) =>
        CallAsync("GetRandomPassword", request, SecretsManagerJsonContext.Wire.GetRandomPasswordRequest,
            SecretsManagerJsonContext.Wire.GetRandomPasswordResponse, [], cancellationToken);

    private async Task<TResponse> CallAsync<TRequest, TResponse>(
        string operation, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        string?[] requestSecrets, CancellationToken cancellationToken)
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        string?[] sensitive = [.. requestSecrets, _options.Credentials.SecretAccessKey, _options.Credentials.SessionToken];
        var invocationId = Guid.NewGuid().ToString();
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = await AttemptAsync(operation, body, invocationId, attempt, sensitive, cancellationToken).ConfigureAwait(false);
            if (outcome.Body is { } json)
            {
                return Deserialize(operation, json, responseType);
            }
            var failure = outcome.Failure ?? throw new InvalidOperationException("an attempt ended with neither an answer nor a failure");
            if (!outcome.Retryable || attempt >= _options.MaxAttempts)
            {
                throw failure;
            }
            await Task.Delay(BackoffDelay(attempt), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2ⁿ⁻¹)].</summary>
    internal TimeSpan BackoffDelay(int attempt)
    {
        var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds,
            _options.BaseRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling * Math.Clamp(_jitter(), 0, 1));
    }

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The request message owns its content and is disposed with it.")]
    private async Task<AttemptOutcome> AttemptAsync(
        string operation, byte[] body, string invocationId, int attempt, string?[] sensitive, CancellationToken cancellationToken)
    {
        using var attemptTimeout = new CancellationTokenSource(_options.AttemptTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        using var message = Sign(operation, body, invocationId, attempt);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var content = await ReadBoundedAsync(operation, response, linked.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return new AttemptOutcome(content, null, false);
            }
            return ServiceError(operation, response, content, sensitive);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attemptTimeout.IsCancellationRequested)
        {
            return new AttemptOutcome(null, new SecretsManagerException(operation, "RequestTimeout", null,
                $"Secrets Manager {operation} failed: no answer from {_options.Endpoint.Host} within {_options.AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"), true);
        }
        catch (HttpRequestException e)
        {
            // The inner exception stays out: socket and TLS messages are safe, but this keeps the shape uniform.
            return new AttemptOutcome(null, new SecretsManagerException(operation, "ConnectionFailure", null,
                $"Secrets Manager {operation} failed: cannot reach {_options.Endpoint.Host}: {ServiceErrorText.Message(e.Message, sensitive)}"), true);
        }
    }

    private HttpRequestMessage Sign(string operation, byte[] body, string invocationId, int attempt)
    {
        var target = "secretsmanager." + operation;
        var payloadHash = SigV4Signer.Sha256Hex(body);
        var amzSdkRequest = $"attempt={attempt}; max={_options.MaxAttempts}";
        var host = _options.Endpoint.IsDefaultPort
            ? _options.Endpoint.IdnHost
            : _options.Endpoint.IdnHost + ":" + _options.Endpoint.Port.ToString(CultureInfo.InvariantCulture);
        if (_options.Endpoint.HostNameType == UriHostNameType.IPv6)
        {
            host = _options.Endpoint.Authority;
        }
        // The headers @aws-sdk/client-secrets-manager signs, user agents aside (user-agent is never signed).
        var signature = _signer.Sign(new SigV4Request("POST", "/", [],
        [
            new("amz-sdk-invocation-id", invocationId),
            new("amz-sdk-request", amzSdkRequest),
            new("content-length", body.Length.ToString(CultureInfo.InvariantCulture)),
            new("content-type", ContentType),
            new("host", host),
            new("x-amz-content-sha256", payloadHash),
            new("x-amz-target", target),
            new("x-amz-user-agent", UserAgent),
        ], payloadHash));

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        content.Headers.ContentLength = body.Length;
        var message = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = content, Version = HttpVersion.Version11 };
        var headers = message.Headers;
        headers.Host = host;
        headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
        headers.TryAddWithoutValidation("amz-sdk-request", amzSdkRequest);
        headers.TryAddWithoutValidation("x-amz-content-sha256", payloadHash);
        headers.TryAddWithoutValidation("x-amz-target", target);
        headers.TryAddWithoutValidation("x-amz-user-agent", UserAgent);
        headers.TryAddWithoutValidation("user-agent", UserAgent);
        headers.TryAddWithoutValidation("x-amz-date", signature.AmzDate);
        if (signature.SecurityToken is { } token)
        {
            headers.TryAddWithoutValidation("x-amz-security-token", token);
        }
        headers.TryAddWithoutValidation("authorization", signature.Authorization);
        return message;
    }

    private async Task<byte[]> ReadBoundedAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(operation, response.StatusCode);
        }
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(operation, response.StatusCode);
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
    }

    private SecretsManagerException TooLarge(string operation, HttpStatusCode status) =>
        new(operation, "ResponseTooLarge", status,
            $"Secrets Manager {operation} failed: the answer (HTTP {(int)status}) exceeds {_options.MaxResponseBytes} bytes");

    private static AttemptOutcome ServiceError(string operation, HttpResponseMessage response, byte[] content, string?[] sensitive)
    {
        ServiceErrorBody? error = null;
        try
        {
            error = content.Length == 0 ? null : JsonSerializer.Deserialize(content, SecretsManagerJsonContext.Wire.ServiceErrorBody);
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): the status alone describes it.
        }
        var headerType = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault() : null;
        var status = (int)response.StatusCode;
        var code = ServiceErrorText.Code(error?.Type) ?? ServiceErrorText.Code(headerType) ?? $"Http{status}";
        var text = ServiceErrorText.Message(error?.LowerMessage ?? error?.UpperMessage, sensitive);
        var retryable = status == 429 || status >= 500 || RetryableCodes.Contains(code);
        var message = $"Secrets Manager {operation} failed: {code} (HTTP {status.ToString(CultureInfo.InvariantCulture)})"
            + (text.Length > 0 ? ": " + text : "");
        return new AttemptOutcome(null, new SecretsManagerException(operation, code, response.StatusCode, message), retryable);
    }

    private static TResponse Deserialize<TResponse>(string operation, byte[] json, JsonTypeInfo<TResponse> type)
        where TResponse : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type)
                ?? throw new SecretsManagerException(operation, "InvalidResponse", HttpStatusCode.OK, $"Secrets Manager {operation} answered null");
        }
        catch (JsonException e)
        {
            // The JSON error names a path and position, never a value.
            throw new SecretsManagerException(operation, "InvalidResponse", HttpStatusCode.OK,
                $"Secrets Manager {operation} answered with JSON that does not fit its shape (at {e.Path ?? "$"}, byte {e.BytePositionInLine?.ToString(CultureInfo.InvariantCulture) ?? "?"})");
        }
    }

    private sealed record AttemptOutcome(byte[]? Body, SecretsManagerException? Failure, bool Retryable);
}
