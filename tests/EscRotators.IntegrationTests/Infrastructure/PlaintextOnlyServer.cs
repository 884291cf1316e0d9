using System.Buffers.Binary;
using System.Net;
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

    private readonly TcpListener _listener;
    private readonly DbEngine _engine;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _received = new();
    private readonly Lock _gate = new();
    private readonly Task _acceptLoop;

    private PlaintextOnlyServer(DbEngine engine)
    {
        _engine = engine;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>What clients sent after being told there is no TLS (PostgreSQL: after the 'N'; MySQL: after the greeting).</summary>
    public string ReceivedText
    {
        get
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_received.ToArray());
            }
        }
    }

    public static PlaintextOnlyServer Start(DbEngine engine) => new(engine);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                if (_engine == DbEngine.Postgres)
                {
                    await ServePostgresAsync(stream);
                }
                else
                {
                    await ServeMySqlAsync(stream);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up: that is what a client refusing to downgrade does.
            }
        }
    }

    private async Task ServePostgresAsync(NetworkStream stream)
    {
        var header = new byte[8];
        while (true)
        {
            await stream.ReadExactlyAsync(header, _stop.Token);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
            if (length == 8 && code is SslRequestCode or GssEncRequestCode)
            {
                await stream.WriteAsync("N"u8.ToArray(), _stop.Token);
                continue;
            }

            // A startup message: the client went on in plaintext. Ask for the password in cleartext.
            Record(header);
            var rest = new byte[Math.Clamp(length - 8, 0, 10_000)];
            await stream.ReadExactlyAsync(rest, _stop.Token);
            Record(rest);
            byte[] cleartextPasswordRequest = [(byte)'R', 0, 0, 0, 8, 0, 0, 0, 3];
            await stream.WriteAsync(cleartextPasswordRequest, _stop.Token);
            await RecordOneReadAsync(stream);
            return;
        }
    }

    private async Task ServeMySqlAsync(NetworkStream stream)
    {
        // Protocol 10 greeting: CLIENT_PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | LONG_PASSWORD | LONG_FLAG |
        // CONNECT_WITH_DB | TRANSACTIONS, and no CLIENT_SSL.
        var payload = new List<byte> { 10 };
        payload.AddRange("5.7.99-plaintext-only\0"u8.ToArray());
        payload.AddRange([1, 0, 0, 0]);
        payload.AddRange("abcdefgh"u8.ToArray());
        payload.Add(0);
        payload.AddRange([0x0D, 0xA2]); // capabilities, low 16 bits
        payload.Add(0x21);
        payload.AddRange([2, 0]);
        payload.AddRange([0x08, 0x00]); // capabilities, high 16 bits
        payload.Add(21);
        payload.AddRange(new byte[10]);
        payload.AddRange("ijklmnopqrst\0"u8.ToArray());
        payload.AddRange("mysql_native_password\0"u8.ToArray());
        var packet = new byte[4 + payload.Count];
        packet[0] = (byte)payload.Count;
        packet[1] = (byte)(payload.Count >> 8);
        packet[2] = (byte)(payload.Count >> 16);
        packet[3] = 0;
        payload.CopyTo(packet, 4);
        await stream.WriteAsync(packet, _stop.Token);
        await RecordOneReadAsync(stream);
    }

    private async Task RecordOneReadAsync(NetworkStream stream)
    {
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        Record(buffer.AsSpan(0, read));
    }

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _received.Write(bytes);
        }
    }
}
