using EscRotators.Engines;
using EscRotators.Logging;

namespace EscRotators.Rotation;

/// <summary>
/// Runs one database step again while it fails with <see cref="RotationFailureKind.Unreachable"/>: nothing reached the
/// server, so trying again cannot apply anything twice. Every other failure, and the last one, escapes.
/// </summary>
public static class DatabaseRetry
{
    public static async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T>> step,
        IReadOnlyList<TimeSpan> delays,
        InvocationBudget budget,
        RotatorLogger log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(delays);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(log);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await step(cancellationToken).ConfigureAwait(false);
            }
            catch (RotationFailedException ex) when (ex.Kind == RotationFailureKind.Unreachable && attempt < delays.Count)
            {
                var delay = delays[attempt];
                log.Debug("database unreachable, retrying", LogField.Of("attempt", attempt + 1), LogField.Of("delayMs", (long)delay.TotalMilliseconds));
                await Task.Delay(delay, budget.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
