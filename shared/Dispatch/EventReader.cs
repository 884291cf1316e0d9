using System.Text.Json;
using EscRotators.Protocol;
using EscRotators.Validation;

namespace EscRotators.Dispatch;

/// <summary>
/// Parses the payload with the source-generated context. Failures become <see cref="InvalidRequestException"/>
/// with our own wording: System.Text.Json's messages can quote input characters, and input may hold secrets.
/// </summary>
public static class EventReader
{
    public static RotationEvent Read(ReadOnlySpan<byte> payload)
    {
        RotationEvent? evt;
        try
        {
            evt = JsonSerializer.Deserialize(payload, ProtocolJsonContext.Default.RotationEvent);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
            var position = ex.LineNumber is { } line && ex.BytePositionInLine is { } column
                ? $" (line {line + 1}, byte {column + 1})"
                : "";
            throw new InvalidRequestException(
                $"malformed request: not valid JSON, or a value of the wrong type{where}{position}; see docs/protocol.md for the event shape",
                ex);
        }
        catch (ArgumentException ex)
        {
            // Invalid UTF-8 inside a string surfaces as ArgumentException/DecoderFallbackException in some paths.
            throw new InvalidRequestException("malformed request: the payload is not valid UTF-8 JSON", ex);
        }

        return evt ?? throw new InvalidRequestException("malformed request: the event must be a JSON object");
    }
}
