namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Every byte the clients of a fake server sent, recorded from any connection's task.</summary>
internal sealed class ReceivedBytes
{
    // How long a fake server waits for a client's next message before it gives up on the connection.
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(5);

    private readonly MemoryStream _received = new();
    private readonly Lock _gate = new();

    public void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _received.Write(bytes);
        }
    }

    /// <summary>Reads once from <paramref name="stream"/> (at most a few seconds) and records what came.</summary>
    public async Task RecordOneReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadLimit);
        var read = await stream.ReadAsync(buffer, timeout.Token);
        Record(buffer.AsSpan(0, read));
    }

    public byte[] ToArray()
    {
        lock (_gate)
        {
            return _received.ToArray();
        }
    }
}
