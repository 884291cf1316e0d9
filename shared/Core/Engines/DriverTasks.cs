namespace EscRotators.Engines;

/// <summary>
/// Drivers do not always honour a CancellationToken while they wait for a silent server (MySqlConnector and Npgsql
/// both sit out their own whole-second timeouts waiting for the greeting). The deadline is ours to keep, so a driver
/// task is abandoned the moment the token fires; the caller then disposes the connection, which closes its socket.
/// </summary>
public static class DriverTasks
{
    public static async Task WithCancellation(this Task task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            Observe(task);
            throw;
        }
    }

    public static async Task<T> WithCancellation<T>(this Task<T> task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !task.IsCompleted)
        {
            Observe(task);
            throw;
        }
    }

    // The abandoned task fails later, when its connection is disposed; its exception is expected and not news.
    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
