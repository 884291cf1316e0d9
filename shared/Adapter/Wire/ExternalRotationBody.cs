using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Wire;

/// <summary>What ESC's <c>fn::rotate::external</c> POSTs: <c>{"request": R, "state": null | S}</c>.</summary>
public sealed class ExternalRotationBody
{
    [JsonPropertyName("request")]
    public ExternalRotationRequest? Request { get; set; }

    [JsonPropertyName("state")]
    public ExternalRotationState? State { get; set; }
}
