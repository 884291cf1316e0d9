using System.Text.Json.Serialization;

namespace EscRotators.Adapter;

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
