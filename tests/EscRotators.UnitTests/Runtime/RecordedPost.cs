using System.Text;

namespace EscRotators.UnitTests.Runtime;

/// <summary>A POST that reached <see cref="LocalRuntimeApi"/>: a response, an invocation error or an init error.</summary>
internal sealed record RecordedPost(
    RuntimeApiPostKind Kind,
    string? RequestId,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
