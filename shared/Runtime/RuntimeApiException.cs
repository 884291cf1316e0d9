using System.Net;
using System.Text;

namespace EscRotators.Runtime;

/// <summary>
/// The Runtime API answered, but not as the protocol says it should (an error status or a missing header).
/// Unlike a transport failure (an <see cref="IOException"/>) this is not worth retrying.
/// </summary>
public sealed class RuntimeApiException : Exception
{
    // Runtime API error bodies are short JSON documents; anything longer is noise in a log line.
    private const int MaxBodyCharsInMessage = 512;

    public RuntimeApiException(string message, HttpStatusCode statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode StatusCode { get; }

    internal static RuntimeApiException FromResponse(string endpoint, RuntimeApiResponse response)
    {
        var body = Encoding.UTF8.GetString(response.Body);
        if (body.Length > MaxBodyCharsInMessage)
        {
            body = string.Concat(body.AsSpan(0, MaxBodyCharsInMessage), "...");
        }

        return new RuntimeApiException(
            $"The Runtime API answered {endpoint} with {(int)response.StatusCode} {response.ReasonPhrase}: {body}",
            response.StatusCode);
    }
}
