using System.Net.Sockets;
using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A loopback impostor speaking just enough of the MySQL protocol to misbehave after the greeting (which offers no
/// TLS): ask for the password in cleartext, demand an authentication plugin no driver has, or answer with garbage.
/// Records every byte the client sends.
/// </summary>
public sealed class FakeMySqlServer : IAsyncDisposable
{
    private const string ServerVersion = "5.7.99-fake";

    private readonly Behaviour _behaviour;
    private readonly ReceivedBytes _received = new();
    private readonly LoopbackListener _listener;

    private FakeMySqlServer(Behaviour behaviour)
    {
        _behaviour = behaviour;
        _listener = LoopbackListener.Start(ServeAsync);
    }

    public enum Behaviour
    {
        /// <summary>A greeting naming an authentication plugin that does not exist.</summary>
        UnknownPlugin,

        /// <summary>Random bytes instead of a greeting.</summary>
        Garbage,
    }

    public int Port => _listener.Port;

    /// <summary>Every byte clients sent, as Latin-1 so any byte sequence survives.</summary>
    public string Received => Encoding.Latin1.GetString(_received.ToArray());

    public static FakeMySqlServer Start(Behaviour behaviour) => new(behaviour);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        switch (_behaviour)
        {
            case Behaviour.Garbage:
                await stream.WriteAsync(Encoding.ASCII.GetBytes("\u0007\u0000\u0000\u0000HTTP/1.1 400 Bad Request\r\n\r\n"), cancellationToken);
                await _received.RecordOneReadAsync(stream, cancellationToken);
                break;
            case Behaviour.UnknownPlugin:
                await stream.WriteAsync(MySqlPackets.Greeting(ServerVersion, "no_such_auth_plugin"), cancellationToken);
                await _received.RecordOneReadAsync(stream, cancellationToken);
                break;
        }
    }
}
