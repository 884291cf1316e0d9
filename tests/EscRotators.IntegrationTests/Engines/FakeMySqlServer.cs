using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A loopback impostor speaking just enough of the MySQL protocol to misbehave after the greeting (which offers no
/// TLS): ask for the password in cleartext, demand an authentication plugin no driver has, or answer with garbage.
/// Records every byte the client sends.
/// </summary>
public sealed class FakeMySqlServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Behaviour _behaviour;
    private readonly CancellationTokenSource _stop = new();
    private readonly MemoryStream _received = new();
    private readonly Lock _gate = new();
    private readonly Task _acceptLoop;

    private FakeMySqlServer(Behaviour behaviour)
    {
        _behaviour = behaviour;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public enum Behaviour
    {
        /// <summary>After the client's handshake response, switch to <c>mysql_clear_password</c>.</summary>
        CleartextSwitch,

        /// <summary>A greeting naming an authentication plugin that does not exist.</summary>
        UnknownPlugin,

        /// <summary>Random bytes instead of a greeting.</summary>
        Garbage,
    }

    public int Port { get; }

    /// <summary>Every byte clients sent, as Latin-1 so any byte sequence survives.</summary>
    public string Received
    {
        get
        {
            lock (_gate)
            {
                return Encoding.Latin1.GetString(_received.ToArray());
            }
        }
    }

    public static FakeMySqlServer Start(Behaviour behaviour) => new(behaviour);

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
                switch (_behaviour)
                {
                    case Behaviour.Garbage:
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("\u0007\u0000\u0000\u0000HTTP/1.1 400 Bad Request\r\n\r\n"), _stop.Token);
                        await RecordReadsAsync(stream, 1);
                        break;
                    case Behaviour.UnknownPlugin:
                        await stream.WriteAsync(Greeting("no_such_auth_plugin"), _stop.Token);
                        await RecordReadsAsync(stream, 1);
                        break;
                    default:
                        await stream.WriteAsync(Greeting("mysql_native_password"), _stop.Token);
                        await RecordReadsAsync(stream, 1);

                        // AuthSwitchRequest: 0xFE, plugin name, plugin data; sequence 2.
                        var payload = new List<byte> { 0xFE };
                        payload.AddRange("mysql_clear_password\0"u8.ToArray());
                        await stream.WriteAsync(Packet(payload, sequence: 2), _stop.Token);
                        await RecordReadsAsync(stream, 1);
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up.
            }
        }
    }

    // Protocol 10 greeting without CLIENT_SSL: PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH and friends.
    private static byte[] Greeting(string plugin)
    {
        var payload = new List<byte> { 10 };
        payload.AddRange("5.7.99-fake\0"u8.ToArray());
        payload.AddRange([1, 0, 0, 0]);
        payload.AddRange("abcdefgh"u8.ToArray());
        payload.Add(0);
        payload.AddRange([0x0D, 0xA2]);
        payload.Add(0x21);
        payload.AddRange([2, 0]);
        payload.AddRange([0x08, 0x00]);
        payload.Add(21);
        payload.AddRange(new byte[10]);
        payload.AddRange("ijklmnopqrst\0"u8.ToArray());
        payload.AddRange(Encoding.ASCII.GetBytes(plugin + "\0"));
        return Packet(payload, sequence: 0);
    }

    private static byte[] Packet(List<byte> payload, byte sequence)
    {
        var packet = new byte[4 + payload.Count];
        packet[0] = (byte)payload.Count;
        packet[1] = (byte)(payload.Count >> 8);
        packet[2] = (byte)(payload.Count >> 16);
        packet[3] = sequence;
        payload.CopyTo(packet, 4);
        return packet;
    }

    private async Task RecordReadsAsync(NetworkStream stream, int count)
    {
        var buffer = new byte[4096];
        for (var i = 0; i < count; i++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return;
            }

            lock (_gate)
            {
                _received.Write(buffer.AsSpan(0, read));
            }
        }
    }
}
