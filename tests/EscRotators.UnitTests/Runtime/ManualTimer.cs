namespace EscRotators.UnitTests.Runtime;

/// <summary>A timer of <see cref="ManualTimeProvider"/>: due at an instant of the manual clock, not of the wall clock.</summary>
internal sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _dueAt;
    private TimeSpan _period = Timeout.InfiniteTimeSpan;

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            _dueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime;
            _period = period;
        }

        FireIfDue(owner.GetUtcNow());
        return true;
    }

    public void FireIfDue(DateTimeOffset now)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_dueAt is not { } dueAt || dueAt > now)
                {
                    return;
                }

                _dueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? dueAt + _period : null;
            }

            callback(state);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _dueAt = null;
        }

        owner.Remove(this);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
