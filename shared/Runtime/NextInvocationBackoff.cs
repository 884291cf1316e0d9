namespace EscRotators.Runtime;

/// <summary>
/// How long the loop waits after /next fails at the transport level (for example while a local
/// Runtime API emulator restarts), and after how many attempts in a row it gives up.
/// </summary>
internal sealed record NextInvocationBackoff(TimeSpan InitialDelay, TimeSpan MaxDelay, int MaxAttempts)
{
    /// <summary>100 ms doubling to at most 1 s, ten attempts: 6.5 s of pauses before the process gives up.</summary>
    public static NextInvocationBackoff Default { get; } =
        new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), MaxAttempts: 10);

    /// <summary>The pause after the given number of consecutive failures (1 for the first).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);

        var ticks = InitialDelay.Ticks * Math.Pow(2, failures - 1);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
