namespace EscRotators.UnitTests.Runtime;

/// <summary>An event that <see cref="LocalRuntimeApi"/> hands out on /next, with the headers it sends along.</summary>
internal sealed record QueuedInvocation(string RequestId, byte[] Payload)
{
    /// <summary>Sent as Lambda-Runtime-Deadline-Ms; the header is left out when null.</summary>
    public DateTimeOffset? Deadline { get; init; }

    public string? InvokedFunctionArn { get; init; }

    public string? TraceId { get; init; }

    public string? ClientContext { get; init; }

    public string? CognitoIdentity { get; init; }
}
