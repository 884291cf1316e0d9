using System.Text.Json.Serialization;

namespace EscRotators.Adapter.FunctionUrl;

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
