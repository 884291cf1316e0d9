using System.Data.Common;

namespace EscRotators.Engines;

/// <summary>
/// One driver connection (and whatever owns it, such as Npgsql's data source) with the two rules every engine
/// keeps: a driver call is abandoned the moment our deadline fires (<see cref="DriverTasks"/>), and closing never
/// blocks or throws. A graceful close of a busy connection would wait for the server (Npgsql drains the pending
/// results, MySqlConnector waits for the command), which is exactly what a silent server never ends; so after a
/// failure the connection is closed only once the abandoned call has given up, which the drivers' zero
/// <c>CancellationTimeout</c> makes immediate (they break the socket instead of waiting for the server).
/// </summary>
public sealed class DriverConnection : IAsyncDisposable
{
    /// <summary>How long a close may take before it is left to finish in the background.</summary>
    private static readonly TimeSpan HealthyCloseBound = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BrokenCloseBound = TimeSpan.FromMilliseconds(100);

    private readonly IAsyncDisposable? _owner;
    private Task? _abandoned;
    private bool _failed;
    private int _disposed;

    public DriverConnection(DbConnection connection, IAsyncDisposable? owner = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        _owner = owner;
    }

    public DbConnection Connection { get; }

    /// <summary>False once a call failed or was abandoned: nothing more is sent on this connection but its close.</summary>
    public bool IsUsable => !_failed && _disposed == 0;

    /// <summary>
    /// Runs one driver call with <paramref name="cancellationToken"/>; when the token fires first the call is
    /// abandoned (remembered, so that disposal does not wait for it), and any failure marks the connection unusable.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var task = call(Connection, cancellationToken);
        try
        {
            return await task.WithCancellation(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _failed = true;
            if (!task.IsCompleted)
            {
                _abandoned = task;
            }

            throw;
        }
    }

    /// <summary>Opens the connection and returns it; when opening fails, closes it (without waiting) and rethrows.</summary>
    public async Task<DriverConnection> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(
                static async (connection, token) =>
                {
                    await connection.OpenAsync(token).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
            return this;
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Closes the connection without ever throwing, and without waiting for a server that has gone silent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_abandoned is { IsCompleted: false } busy)
        {
            // Close once the driver has given up on the call; it breaks the socket itself on our cancellation.
            Observe(busy.ContinueWith(_ => CloseAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap());
            return;
        }

        var close = CloseAsync();
        try
        {
            await close.WaitAsync(_failed ? BrokenCloseBound : HealthyCloseBound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Observe(close);
        }
    }

    private async Task CloseAsync()
    {
        try
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed close is not news: the connection is gone either way, and the reply must not wait or fail for it.
        catch (Exception)
        {
        }

        if (_owner is not null)
        {
            try
            {
                await _owner.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
        }
#pragma warning restore CA1031
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}

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
