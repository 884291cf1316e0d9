using System.Diagnostics;
using System.Text;

namespace EscRotators.LocalRuntime;

/// <summary>A POST that reached <see cref="LocalRuntimeApi"/>: a response, an invocation error or an init error.</summary>
public sealed record RecordedPost(
    RuntimeApiPostKind Kind,
    string? RequestId,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A <see cref="Stopwatch"/> timestamp taken when the whole request had been read.</summary>
    public long ReceivedTimestamp { get; init; } = Stopwatch.GetTimestamp();

    /// <summary>The same moment on the wall clock, to compare with the deadline that was sent.</summary>
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The hand-out of the invocation this POST answers; null for init errors and unknown request ids.</summary>
    public HandedOutInvocation? Invocation { get; init; }

    /// <summary>From the event leaving /next to this POST arriving: the invocation's duration as Lambda bills it.</summary>
    public TimeSpan? InvocationDuration =>
        Invocation is { } invocation ? Stopwatch.GetElapsedTime(invocation.Timestamp, ReceivedTimestamp) : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
