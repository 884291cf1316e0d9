using System.Net;

namespace EscRotators.Runtime;

/// <summary>One HTTP response of the Runtime API: status, headers (names compared case-insensitively) and body.</summary>
internal sealed class RuntimeApiResponse
{
    private readonly Dictionary<string, string> _headers;

    public RuntimeApiResponse(HttpStatusCode statusCode, string reasonPhrase, Dictionary<string, string> headers, byte[] body)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        _headers = headers;
        Body = body;
    }

    public HttpStatusCode StatusCode { get; }

    public string ReasonPhrase { get; }

    public byte[] Body { get; }

    public bool IsSuccessStatusCode => (int)StatusCode is >= 200 and <= 299;

    /// <summary>The header's value; null when it is absent or empty.</summary>
    public string? Header(string name) =>
        _headers.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
