using System.Text.Json.Serialization;

namespace EscRotators.Adapter.FunctionUrl;

/// <summary><c>requestContext</c> of a payload format 2.0 event.</summary>
public sealed class FunctionUrlRequestContext
{
    [JsonPropertyName("http")]
    public FunctionUrlHttp? Http { get; set; }
}
