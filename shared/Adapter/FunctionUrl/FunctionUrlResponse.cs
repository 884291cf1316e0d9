using System.Text.Json.Serialization;

namespace EscRotators.Adapter.FunctionUrl;

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
