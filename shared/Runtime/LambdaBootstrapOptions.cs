namespace EscRotators.Runtime;

/// <summary>Settings for <see cref="LambdaBootstrap"/>.</summary>
public sealed record LambdaBootstrapOptions
{
    /// <summary>
    /// How long before the invocation deadline the handler's cancellation token fires, leaving time
    /// to post a reply before Lambda kills the invocation. Defaults to 250 ms.
    /// </summary>
    public TimeSpan DeadlineSafetyMargin { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Called with a description and the cause whenever the loop swallows a failure: a handler exception,
    /// a response or error that could not be posted, a /next attempt that will be retried, or a failed
    /// initialisation. Lets the host log without this layer depending on its logger. Must not throw.
    /// </summary>
    public Action<string, Exception?>? OnLoopError { get; init; }

    /// <summary>The clock for the handler deadline and retry delays. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal NextInvocationBackoff NextInvocationBackoff { get; init; } = NextInvocationBackoff.Default;
}
