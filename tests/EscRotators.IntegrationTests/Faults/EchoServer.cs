using System.Net.Sockets;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>A loopback server for <see cref="FaultProxyTests"/>: echoes whatever it reads.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly LoopbackListener _listener = LoopbackListener.Start(EchoAsync);

    private EchoServer()
    {
    }

    public int Port => _listener.Port;

    public static EchoServer Start() => new();

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private static async Task EchoAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }
}
