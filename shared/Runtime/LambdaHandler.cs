namespace EscRotators.Runtime;

/// <summary>
/// The function itself: takes one event payload and returns the reply bytes.
/// Throwing is reported to Lambda as a function error, so it should mean a bug, not an expected outcome.
/// </summary>
/// <param name="payload">The raw event body as delivered by the Runtime API.</param>
/// <param name="context">What the invocation knows about itself.</param>
/// <param name="cancellationToken">
/// Fires when the host is stopping. The deadline is <see cref="LambdaContext.Deadline"/>: keeping it, with time left to
/// reply, is the handler's job.
/// </param>
public delegate Task<ReadOnlyMemory<byte>> LambdaHandler(
    ReadOnlyMemory<byte> payload,
    LambdaContext context,
    CancellationToken cancellationToken);
