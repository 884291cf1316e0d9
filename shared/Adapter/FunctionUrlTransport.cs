using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using EscRotators.Logging;
using EscRotators.Rotation;

namespace EscRotators.Adapter;

/// <summary>
/// Transport 1: the adapter behind a Lambda Function URL or an API Gateway HTTP API (payload format 2.0), in the
/// same <c>bootstrap</c> as Forms A and B. An event with <c>requestContext.http</c> is an HTTP request; every other
/// event is not this transport's (<see cref="TryRead"/> says so) and keeps its Form A/B handling.
/// </summary>
public sealed class FunctionUrlTransport
{
    // As every reply: quotes and non-ASCII stay readable inside the body string; control characters are escaped.
    private static readonly FunctionUrlJsonContext Output = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private readonly ExternalRotationAdapter? _adapter;
    private readonly RotatorLogger _logger;

    /// <param name="adapter">Null when the adapter is not configured (<c>ESC_ROTATOR_AUDIENCE</c> unset): HTTP requests then get 503.</param>
    public FunctionUrlTransport(ExternalRotationAdapter? adapter, RotatorLogger logger)
    {
        _adapter = adapter;
        _logger = logger;
    }

    /// <summary>The HTTP request in the parsed payload <paramref name="root"/>, or null when it is not a format 2.0 HTTP event.</summary>
    public static FunctionUrlEvent? TryRead(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("requestContext", out var context)
            || context.ValueKind != JsonValueKind.Object
            || !context.TryGetProperty("http", out var http)
            || http.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return root.Deserialize(FunctionUrlJsonContext.Default.FunctionUrlEvent);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // Not this transport's event (or not JSON at all): the dispatcher words the 400 for it.
            return null;
        }
    }

    /// <summary>Answers <paramref name="evt"/> with the serialised Function URL reply.</summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(
        FunctionUrlEvent evt,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        try
        {
            return await AnswerAsync(evt, requestId, budget, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not UnexpectedRotatorException)
        {
            // A bug in the adapter, as in the dispatcher (which logs its own): log where it happened, never the message (it might quote input).
            _logger.ForRequest(requestId).Error(
                "unexpected failure",
                LogField.Of("exception", ex.GetType().FullName),
                LogField.Of("stackTrace", ex.StackTrace));
            throw new UnexpectedRotatorException($"internal error ({ex.GetType().Name}); the rotator's log has the stack trace", ex);
        }
    }

    private async Task<ReadOnlyMemory<byte>> AnswerAsync(
        FunctionUrlEvent evt,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        AdapterResponse response;
        if (_adapter is null)
        {
            _logger.ForRequest(requestId).Error(
                "HTTPS adapter request refused: the adapter is not configured",
                LogField.Of("status", 503),
                LogField.Of("fix", $"set {AdapterEnvironment.AudienceVariable} to the function URL as written in the ESC environment"));
            response = new AdapterResponse(503, Encoding.UTF8.GetBytes("{\"error\":\"the HTTPS adapter is not configured\"}"), null);
        }
        else if (ToRequest(evt) is { } request)
        {
            response = await _adapter.HandleAsync(request, requestId, budget, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _logger.ForRequest(requestId).Warn("request rejected", LogField.Of("status", 400), LogField.Of("error", "isBase64Encoded body is not base64"));
            response = new AdapterResponse(400, Encoding.UTF8.GetBytes("{\"error\":\"malformed request: the body is not valid base64\"}"), null);
        }

        var reply = new FunctionUrlResponse
        {
            StatusCode = response.StatusCode,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["content-type"] = AdapterResponse.ContentType },
            Body = Encoding.UTF8.GetString(response.Body),
        };
        return JsonSerializer.SerializeToUtf8Bytes(reply, Output.FunctionUrlResponse);
    }

    private static AdapterRequest? ToRequest(FunctionUrlEvent evt)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in evt.Headers ?? [])
        {
            headers[name] = value;
        }

        byte[] body;
        if (evt.IsBase64Encoded)
        {
            try
            {
                body = Convert.FromBase64String(evt.Body ?? "");
            }
            catch (FormatException)
            {
                return null;
            }
        }
        else
        {
            body = Encoding.UTF8.GetBytes(evt.Body ?? "");
        }

        return new AdapterRequest(evt.RequestContext?.Http?.Method ?? "", headers, body);
    }
}

/// <summary>A Lambda Function URL / API Gateway HTTP API event, payload format 2.0: only what the adapter reads.</summary>
public sealed class FunctionUrlEvent
{
    [JsonPropertyName("requestContext")]
    public FunctionUrlRequestContext? RequestContext { get; set; }

    /// <summary>Lower-case names; repeated headers arrive joined with commas.</summary>
    [JsonPropertyName("headers")]
    public Dictionary<string, string>? Headers { get; set; }

    [JsonPropertyName("body")]
    public string? Body { get; set; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; set; }
}

/// <summary><c>requestContext</c> of a payload format 2.0 event.</summary>
public sealed class FunctionUrlRequestContext
{
    [JsonPropertyName("http")]
    public FunctionUrlHttp? Http { get; set; }
}

/// <summary><c>requestContext.http</c>: its presence is what makes an event an HTTP request.</summary>
public sealed class FunctionUrlHttp
{
    [JsonPropertyName("method")]
    public string? Method { get; set; }
}

/// <summary>The reply Lambda turns into the HTTP response: <c>{"statusCode","headers","body"}</c>.</summary>
public sealed class FunctionUrlResponse
{
    [JsonPropertyName("statusCode")]
    public int StatusCode { get; init; }

    [JsonPropertyName("headers")]
    public required Dictionary<string, string> Headers { get; init; }

    [JsonPropertyName("body")]
    public required string Body { get; init; }
}

/// <summary>Source-generated JSON for the events AWS sends, whose member names are exact.</summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    MaxDepth = 32)]
[JsonSerializable(typeof(FunctionUrlEvent))]
[JsonSerializable(typeof(FunctionUrlResponse))]
public sealed partial class FunctionUrlJsonContext : JsonSerializerContext;
