using System.Data;
using System.Data.Common;
using EscRotators.Engines;

namespace EscRotators.UnitTests.Engines;

public sealed class DriverConnectionTests
{
    [Test]
    public async Task Disposal_swallows_a_failing_close()
    {
        var connection = new ScriptedConnection { CloseFailure = new InvalidOperationException("still connecting") };
        var driver = new DriverConnection(connection);

        await driver.DisposeAsync();

        Assert.That(connection.CloseCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_call_abandoned_at_the_deadline_is_not_waited_for_and_the_connection_closes_once_it_ends()
    {
        var connection = new ScriptedConnection();
        var driver = new DriverConnection(connection);
        var hanging = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = new CancellationTokenSource();

        var call = driver.RunAsync((_, _) => hanging.Task, deadline.Token);
        await deadline.CancelAsync();
        Assert.That(async () => await call, Throws.InstanceOf<OperationCanceledException>());

        var disposal = driver.DisposeAsync().AsTask();
        Assert.That(disposal.IsCompletedSuccessfully, Is.True, "disposal returns at once while the driver is still busy");
        Assert.That(connection.CloseCalls, Is.Zero, "a busy connection is not closed gracefully under the driver");

        hanging.SetException(new IOException("socket broken by the driver's own cancellation"));
        await connection.Closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(connection.CloseCalls, Is.EqualTo(1), "closed once the abandoned call gave up");
    }

    [Test]
    public async Task The_owner_is_disposed_after_the_connection_even_when_the_close_fails()
    {
        var connection = new ScriptedConnection { CloseFailure = new IOException("reset") };
        var owner = new Owner();

        await new DriverConnection(connection, owner).DisposeAsync();

        Assert.That(owner.Disposed, Is.True);
    }

    private sealed class Owner : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A connection whose close can fail, and which counts closes.</summary>
    private sealed class ScriptedConnection : DbConnection
    {
        public Exception? CloseFailure { get; init; }

        public int CloseCalls { get; private set; }

        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [System.Diagnostics.CodeAnalysis.AllowNull]
        public override string ConnectionString { get; set; } = "";

        public override string Database => "";

        public override string DataSource => "";

        public override string ServerVersion => "";

        public override ConnectionState State => ConnectionState.Open;

        public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

        public override void Open()
        {
        }

        public override void Close()
        {
            CloseCalls++;
            Closed.TrySetResult();
            if (CloseFailure is not null)
            {
                throw CloseFailure;
            }
        }

        public override ValueTask DisposeAsync()
        {
            Close();
            return ValueTask.CompletedTask;
        }

        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => throw new NotSupportedException();

        protected override DbCommand CreateDbCommand() => throw new NotSupportedException();
    }
}
