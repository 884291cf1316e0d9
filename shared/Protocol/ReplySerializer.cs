using System.Text.Encodings.Web;
using System.Text.Json;

namespace EscRotators.Protocol;

/// <summary>
/// Writes replies as UTF-8 JSON. Relaxed escaping keeps quotes and non-ASCII readable in messages (the reply is
/// never embedded in HTML); control characters are still escaped.
/// </summary>
public static class ReplySerializer
{
    private static readonly ProtocolJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] Serialize(RotationReply reply) =>
        JsonSerializer.SerializeToUtf8Bytes(reply, Context.RotationReply);
}
