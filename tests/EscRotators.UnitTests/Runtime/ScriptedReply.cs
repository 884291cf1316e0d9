using System.Text;

namespace EscRotators.UnitTests.Runtime;

/// <summary>What <see cref="ScriptedHttpServer"/> does with one request: raw response bytes, then maybe close.</summary>
internal sealed record ScriptedReply(byte[] Bytes, bool CloseAfter = false)
{
    /// <summary>Answers nothing and keeps the connection open: a server that hangs.</summary>
    public static ScriptedReply Silence { get; } = new([]);

    public static ScriptedReply Raw(string response, bool closeAfter = false) =>
        new(Encoding.Latin1.GetBytes(response), closeAfter);
}
