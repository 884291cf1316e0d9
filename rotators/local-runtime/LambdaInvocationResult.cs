using System.Text;

namespace EscRotators.LocalRuntime;

/// <summary>What one invocation through <see cref="LambdaProcess"/> produced.</summary>
public sealed record LambdaInvocationResult(string RequestId, LambdaInvocationOutcome Outcome, byte[] Body)
{
    /// <summary>Lambda-Runtime-Function-Error-Type of an error post, or the type Lambda would report itself.</summary>
    public string? ErrorType { get; init; }

    /// <summary>From the event leaving /next to the reply arriving; null when nothing came back.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The Lambda-Runtime-Deadline-Ms that was sent; null when the event was never handed out.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When the reply arrived (wall clock); null when nothing came back.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The exit code, when the process ended during this invocation.</summary>
    public int? ExitCode { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The reply came back, and before the deadline (Lambda discards anything later).</summary>
    public bool ArrivedBeforeDeadline => ReceivedAt is { } received && (Deadline is not { } deadline || received < deadline);
}
