using System.Buffers;
using System.Text.Json;

namespace EscRotators.Runtime;

/// <summary>
/// Writes the standard Lambda error document {"errorMessage","errorType","stackTrace"}.
/// Written with <see cref="Utf8JsonWriter"/> directly: three fields do not justify a serializer context.
/// </summary>
internal static class LambdaErrorPayload
{
    public static ReadOnlyMemory<byte> Create(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("errorMessage"u8, exception.Message);
            writer.WriteString("errorType"u8, exception.GetType().Name);
            writer.WriteStartArray("stackTrace"u8);
            foreach (var line in StackTraceLines(exception))
            {
                writer.WriteStringValue(line);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary>The exception's own stack trace, one frame per entry; empty when it was never thrown.</summary>
    internal static string[] StackTraceLines(Exception exception) =>
        exception.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
