using System.Net;
using System.Text;

namespace EscRotators.Runtime;

/// <summary>
/// What the invocation loop needs from Lambda's Runtime API. <see cref="RuntimeApiClient"/> speaks it over HTTP;
/// the loop's tests can stand in for it without a socket.
/// </summary>
public interface IRuntimeApiClient
{
    /// <summary>Waits, without a timeout, until Lambda hands out the next event.</summary>
    /// <exception cref="IOException">The API could not be reached or the connection broke; worth retrying.</exception>
    /// <exception cref="RuntimeApiException">The API answered with an error or without a request id.</exception>
    Task<InvocationRequest> GetNextInvocationAsync(CancellationToken cancellationToken);

    /// <summary>Posts the handler's reply for an invocation.</summary>
    Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Reports that the handler failed this invocation (a Function.UnhandledException error).</summary>
    Task ReportInvocationErrorAsync(string requestId, Exception exception, CancellationToken cancellationToken);

    /// <summary>Reports that initialisation failed before the loop started (a Runtime.InitError error).</summary>
    Task ReportInitializationErrorAsync(Exception exception, CancellationToken cancellationToken);
}

/// <summary>One event handed out by the Runtime API's /next endpoint.</summary>
public sealed class InvocationRequest
{
    public InvocationRequest(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        Payload = payload;
        Context = context;
    }

    public ReadOnlyMemory<byte> Payload { get; }

    public LambdaContext Context { get; }
}

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
