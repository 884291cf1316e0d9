using EscRotators.Engines;

namespace EscRotators.Rotation;

/// <summary>
/// The time one invocation has: its deadline, the margin kept back so the reply itself is on time, and how long each
/// database attempt may take inside what is left. Every entry point (Lambda, <c>bootstrap invoke</c>, the HTTPS
/// adapter, tests) sizes its work through this one type.
/// </summary>
public sealed class InvocationBudget
{
    /// <summary>Time kept back from the deadline for sending the reply.</summary>
    public static readonly TimeSpan ReplyMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>The shortest attempt the drivers can keep: they time out in whole seconds, at least one.</summary>
    public static readonly TimeSpan MinimumAttemptTime = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;

    public InvocationBudget(DateTimeOffset deadline, TimeProvider time)
        : this(deadline, ReplyMargin, time)
    {
    }

    private InvocationBudget(DateTimeOffset deadline, TimeSpan margin, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Deadline = deadline;
        Margin = margin;
        _time = time;
    }

    /// <summary>When the caller stops waiting for the reply (the Lambda deadline, or <c>--timeout</c> from now).</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>How long before <see cref="Deadline"/> the work stops so the reply is on time.</summary>
    public TimeSpan Margin { get; }

    /// <summary>The clock the deadline is measured on; retry pauses use it too.</summary>
    public TimeProvider Time => _time;

    /// <summary>
    /// A budget of <paramref name="timeout"/> from now. A short timeout keeps back a tenth of itself rather than the
    /// full <see cref="ReplyMargin"/>, so a sub-second budget still leaves time to work.
    /// </summary>
    public static InvocationBudget StartingNow(TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "the timeout must be positive");
        }

        var margin = timeout / 10 < ReplyMargin ? timeout / 10 : ReplyMargin;
        return new InvocationBudget(time.GetUtcNow() + timeout, margin, time);
    }

    /// <summary>The time left for work: until the deadline less the margin; zero once that has passed.</summary>
    public TimeSpan WorkTimeLeft
    {
        get
        {
            var left = Deadline - _time.GetUtcNow() - Margin;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>A cancellation that fires when the work must stop so the reply is on time (at once when that has passed).</summary>
    public CancellationTokenSource CancelWhenReplyIsDue()
    {
        // Timers take at most uint.MaxValue - 1 ms; a deadline further away than that is as good as none.
        var left = WorkTimeLeft;
        return left < MaxTimerDelay ? new CancellationTokenSource(left, _time) : new CancellationTokenSource();
    }

    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>
    /// How long the next database attempt may take: the work time left, at most <paramref name="maximum"/>, in whole
    /// seconds rounded down (drivers time out in whole seconds; rounding up could outlive the invocation). Throws
    /// a timeout failure when less than <see cref="MinimumAttemptTime"/> is left.
    /// </summary>
    public TimeSpan NextAttemptTimeout(TimeSpan maximum)
    {
        var left = WorkTimeLeft;
        if (left < MinimumAttemptTime)
        {
            throw new RotationFailedException(RotationFailureKind.Timeout, TooLittleTime(left));
        }

        var capped = left < maximum ? left : maximum;
        var seconds = Math.Max(1, Math.Floor(capped.TotalSeconds));
        return TimeSpan.FromSeconds(seconds);
    }

    private string TooLittleTime(TimeSpan left)
    {
        const string advice = "raise the function timeout (3 s or more)";
        if (_time.GetUtcNow() >= Deadline)
        {
            return $"the invocation's deadline had already passed; {advice}";
        }

        var shown = left > TimeSpan.Zero
            ? $"only {(long)left.TotalMilliseconds} ms of work time remain before the deadline"
            : $"the deadline is less than {(long)Margin.TotalMilliseconds} ms away";
        return $"{shown}, too little to open a database connection that is sure to close in time; {advice}";
    }
}
