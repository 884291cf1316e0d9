using System.Text.Json.Serialization;

namespace EscRotators.Adapter.FunctionUrl;

/// <summary><c>requestContext.http</c>: its presence is what makes an event an HTTP request.</summary>
public sealed class FunctionUrlHttp
{
    [JsonPropertyName("method")]
    public string? Method { get; set; }
}
