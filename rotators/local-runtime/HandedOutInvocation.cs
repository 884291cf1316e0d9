namespace EscRotators.LocalRuntime;

/// <summary>When <see cref="LocalRuntimeApi"/> answered a /next request with an event, and the deadline it sent.</summary>
/// <param name="RequestId">The Lambda-Runtime-Aws-Request-Id sent.</param>
/// <param name="Timestamp">A <see cref="System.Diagnostics.Stopwatch"/> timestamp taken just before the event was written.</param>
/// <param name="At">The same moment on the wall clock.</param>
/// <param name="Deadline">The Lambda-Runtime-Deadline-Ms sent, if any.</param>
public sealed record HandedOutInvocation(string RequestId, long Timestamp, DateTimeOffset At, DateTimeOffset? Deadline);
