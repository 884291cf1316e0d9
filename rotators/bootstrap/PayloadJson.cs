using System.Text.Json;

namespace EscRotators.Bootstrap;

/// <summary>The one parse of an event payload, from which the hosts tell its kind (Function URL, Secrets Manager, Form A/B).</summary>
internal static class PayloadJson
{
    /// <summary>The parsed payload; null when it is not JSON (the dispatcher then words the 400).</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
