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
