namespace EscRotators.LocalRuntime;

/// <summary>An event that <see cref="LocalRuntimeApi"/> hands out on /next, with the headers it sends along.</summary>
public sealed record QueuedInvocation(string RequestId, byte[] Payload)
{
    /// <summary>Sent as Lambda-Runtime-Deadline-Ms; the header is left out when both this and <see cref="Timeout"/> are null.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>
    /// The function timeout: when set (and <see cref="Deadline"/> is not), the deadline is the moment the event is
    /// handed out plus this, as Lambda computes it when the invocation starts rather than when it was queued.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    public string? InvokedFunctionArn { get; init; }

    public string? TraceId { get; init; }

    public string? ClientContext { get; init; }

    public string? CognitoIdentity { get; init; }
}
