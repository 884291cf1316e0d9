namespace EscRotators.Runtime;

/// <summary>Settings for <see cref="LambdaBootstrap"/>.</summary>
public sealed record LambdaBootstrapOptions
{
    /// <summary>
    /// Called with a description and the cause whenever the loop swallows a failure: a handler exception,
    /// a response or error that could not be posted, a /next attempt that will be retried, or a failed
    /// initialisation. Lets the host log without this layer depending on its logger. Must not throw.
    /// </summary>
    public Action<string, Exception?>? OnLoopError { get; init; }

    /// <summary>The clock for the retry delays. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal NextInvocationBackoff NextInvocationBackoff { get; init; } = NextInvocationBackoff.Default;
}
