namespace EscRotators.LocalRuntime;

/// <summary>One HTTP/1.1 request as read off the wire by <see cref="HttpRequestReader"/>.</summary>
public sealed record LocalHttpRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body);
