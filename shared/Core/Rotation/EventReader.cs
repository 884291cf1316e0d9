using System.Text.Json;
using EscRotators.Protocol;

namespace EscRotators.Rotation;

/// <summary>
/// Parses the payload with the source-generated context. Failures become <see cref="InvalidRequestException"/>
/// with our own wording: System.Text.Json's messages can quote input characters, and input may hold secrets.
/// </summary>
public static class EventReader
{
    public static RotationEvent Read(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, ProtocolJsonContext.Default.RotationEvent) ?? throw NotAnObject();
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (ArgumentException ex)
        {
            throw InvalidUtf8(ex);
        }
    }

    /// <summary>The event in a payload the caller has parsed already (and told its kind from that parse).</summary>
    public static RotationEvent Read(JsonElement root)
    {
        try
        {
            return root.Deserialize(ProtocolJsonContext.Default.RotationEvent) ?? throw NotAnObject();
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (ArgumentException ex)
        {
            throw InvalidUtf8(ex);
        }
    }

    private static InvalidRequestException Malformed(JsonException ex)
    {
        var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
        var position = ex.LineNumber is { } line && ex.BytePositionInLine is { } column
            ? $" (line {line + 1}, byte {column + 1})"
            : "";
        return new InvalidRequestException(
            $"malformed request: not valid JSON, or a value of the wrong type{where}{position}; see docs/protocol.md for the event shape",
            ex);
    }

    // Invalid UTF-8 inside a string surfaces as ArgumentException/DecoderFallbackException in some paths.
    private static InvalidRequestException InvalidUtf8(ArgumentException ex) =>
        new("malformed request: the payload is not valid UTF-8 JSON", ex);

    private static InvalidRequestException NotAnObject() => new("malformed request: the event must be a JSON object");
}
