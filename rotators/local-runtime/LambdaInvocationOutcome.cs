namespace EscRotators.LocalRuntime;

/// <summary>How an invocation ended, in Lambda's terms.</summary>
public enum LambdaInvocationOutcome
{
    /// <summary>The runtime posted a response (the rotator's reply, whatever its <c>code</c>).</summary>
    Response,

    /// <summary>The runtime posted to /invocation/{id}/error: a function error.</summary>
    FunctionError,

    /// <summary>The runtime posted to /init/error instead of taking the event.</summary>
    InitError,

    /// <summary>No reply by the deadline (plus the grace period); Lambda would report Sandbox.Timedout.</summary>
    TimedOut,

    /// <summary>The process exited without replying; Lambda would report Runtime.ExitError.</summary>
    ProcessExited,
}
