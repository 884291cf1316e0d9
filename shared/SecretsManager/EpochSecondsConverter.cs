using System.Text.Json;
using System.Text.Json.Serialization;

namespace EscRotators.SecretsManager;

/// <summary>JSON 1.1 timestamps: seconds since the epoch, with a fraction (1523477145.713).</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.Number => DateTimeOffset.UnixEpoch.AddMilliseconds(Math.Round(reader.GetDouble() * 1000)),
            _ => throw new JsonException("a timestamp must be a number of seconds since the epoch"),
        };

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } time)
        {
            writer.WriteNumberValue((time - DateTimeOffset.UnixEpoch).TotalMilliseconds / 1000);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
