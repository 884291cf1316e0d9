using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback impostor that speaks just enough PostgreSQL or MySQL to say "no TLS here" (PostgreSQL: 'N' to
/// SSLRequest/GSSENCRequest; MySQL: a greeting without CLIENT_SSL), then records everything the client sends.
/// A PostgreSQL client that carries on gets asked for its password in cleartext, as a downgrading attacker would.
/// </summary>
public sealed class PlaintextOnlyServer : IAsyncDisposable
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;

    private readonly DbEngine _engine;
    private readonly ReceivedBytes _received = new();
    private readonly LoopbackListener _listener;

    private PlaintextOnlyServer(DbEngine engine)
    {
        _engine = engine;
        _listener = LoopbackListener.Start(ServeAsync);
    }

    public int Port => _listener.Port;

    /// <summary>What clients sent after being told there is no TLS (PostgreSQL: after the 'N'; MySQL: after the greeting).</summary>
    public string ReceivedText => Encoding.UTF8.GetString(_received.ToArray());

    public static PlaintextOnlyServer Start(DbEngine engine) => new(engine);

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private Task ServeAsync(NetworkStream stream, CancellationToken cancellationToken) =>
        _engine == DbEngine.Postgres ? ServePostgresAsync(stream, cancellationToken) : ServeMySqlAsync(stream, cancellationToken);

    private async Task ServePostgresAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        while (true)
        {
            await stream.ReadExactlyAsync(header, cancellationToken);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            if (length == 8 && code is SslRequestCode or GssEncRequestCode)
            {
                await stream.WriteAsync("N"u8.ToArray(), cancellationToken);
                continue;
            }

            // A startup message: the client went on in plaintext. Ask for the password in cleartext.
            _received.Record(header);
            var rest = new byte[Math.Clamp(length - 8, 0, 10_000)];
            await stream.ReadExactlyAsync(rest, cancellationToken);
            _received.Record(rest);
            byte[] cleartextPasswordRequest = [(byte)'R', 0, 0, 0, 8, 0, 0, 0, 3];
            await stream.WriteAsync(cleartextPasswordRequest, cancellationToken);
            await _received.RecordOneReadAsync(stream, cancellationToken);
            return;
        }
    }

    private async Task ServeMySqlAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(MySqlPackets.Greeting("5.7.99-plaintext-only", "mysql_native_password"), cancellationToken);
        await _received.RecordOneReadAsync(stream, cancellationToken);
    }
}
