using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.MySql;

/// <summary>
/// A loopback relay between MySqlConnector and the server for the modes that may run without TLS (disable, prefer).
/// MySqlConnector answers an authentication switch to <c>mysql_clear_password</c> (or <c>dialog</c>) with the
/// password in the clear even on a plaintext connection, and offers no setting against it. The relay reads the
/// server's packets until the login ends; when the session is not encrypted and the server asks for a cleartext
/// method, it resets both connections before the driver can answer. Once the client asks for TLS, or the login is
/// over, it only copies bytes.
/// </summary>
internal sealed class CleartextGuard : IAsyncDisposable
{
    private const uint ClientSsl = 0x0800;

    private static readonly string[] CleartextMethods = ["mysql_clear_password", "dialog", "authentication_ldap_simple"];

    private readonly Socket _listener;
    private readonly Socket _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action? _clientStartedTls;
    private readonly Task _relay;
    private Socket? _client;
    private volatile bool _clientAskedForTls;

    private CleartextGuard(Socket upstream, Action? clientStartedTls)
    {
        _upstream = upstream;
        _clientStartedTls = clientStartedTls;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _relay = RelayAsync();
    }

    /// <summary>The loopback port the driver connects to.</summary>
    public int Port { get; }

    /// <summary>The server asked for the password in the clear on an unencrypted connection, and was refused.</summary>
    public string? RefusedMethod { get; private set; }

    /// <summary>Connects to the server first, so that refused and unreachable servers fail as themselves.</summary>
    /// <param name="clientStartedTls">
    /// Called when the driver switches the session to TLS, which it does in <c>Preferred</c> only when the server offered it.
    /// </param>
    public static async Task<CleartextGuard> ConnectAsync(
        string host,
        int port,
        TimeSpan timeout,
        Action? clientStartedTls,
        CancellationToken cancellationToken)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                await upstream.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"connecting to {host}:{port} timed out");
            }

            return new CleartextGuard(upstream, clientStartedTls);
        }
        catch
        {
            upstream.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Abort();
        try
        {
            await _relay.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The relay's end is not news; the driver saw what mattered.
        catch (Exception)
        {
        }
#pragma warning restore CA1031

        _stop.Dispose();
    }

    private async Task RelayAsync()
    {
        try
        {
            _client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            _client.NoDelay = true;
            _listener.Close();
            var copy = CopyClientAsync(_client);
            var watch = WatchServerAsync(_client);

            // A reset on one side must reach the other at once: the driver would otherwise wait out its own
            // connect timeout for a greeting that never comes.
            if (await Task.WhenAny(copy, watch).ConfigureAwait(false) is { IsFaulted: true })
            {
                Abort();
            }

            await Task.WhenAll(copy, watch).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }

    // Client to server: copied as is; the first packet says whether the client switches to TLS.
    private async Task CopyClientAsync(Socket client)
    {
        var buffer = new byte[16 * 1024];
        var first = true;
        while (true)
        {
            var read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                _upstream.Shutdown(SocketShutdown.Send);
                return;
            }

            // An SSL request is a 32-byte packet with sequence 1 whose capabilities hold CLIENT_SSL.
            if (first && read >= 8 && buffer[3] == 1 && (BitConverter.ToUInt32(buffer, 4) & ClientSsl) != 0 && buffer[0] == 32)
            {
                _clientAskedForTls = true;
                _clientStartedTls?.Invoke();
            }

            first = false;
            await SendAllAsync(_upstream, buffer.AsMemory(0, read)).ConfigureAwait(false);
        }
    }

    // Server to client: whole packets are checked until the login is over (OK or ERR) or TLS begins.
    private async Task WatchServerAsync(Socket client)
    {
        var buffer = new byte[16 * 1024];
        var pending = new List<byte>();
        var watching = true;
        var greeting = true;
        while (true)
        {
            var read = await _upstream.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                client.Shutdown(SocketShutdown.Send);
                return;
            }

            if (!watching || _clientAskedForTls)
            {
                watching = false;
                if (pending.Count > 0)
                {
                    await SendAllAsync(client, pending.ToArray()).ConfigureAwait(false);
                    pending.Clear();
                }

                await SendAllAsync(client, buffer.AsMemory(0, read)).ConfigureAwait(false);
                continue;
            }

            pending.AddRange(buffer.AsSpan(0, read));
            while (pending.Count >= 4)
            {
                var length = pending[0] | (pending[1] << 8) | (pending[2] << 16);
                if (pending.Count < 4 + length)
                {
                    break;
                }

                var packet = pending.GetRange(0, 4 + length).ToArray();
                pending.RemoveRange(0, 4 + length);
                if (greeting)
                {
                    greeting = false;
                }
                else if (length > 1 && packet[4] == 0xFE && CleartextMethod(packet.AsSpan(5, length - 1)) is { } method && !_clientAskedForTls)
                {
                    RefusedMethod = method;
                    Abort();
                    return;
                }
                else if (length > 0 && packet[4] is 0x00 or 0xFF)
                {
                    watching = false; // the login is over
                }

                await SendAllAsync(client, packet).ConfigureAwait(false);
                if (!watching && pending.Count > 0)
                {
                    await SendAllAsync(client, pending.ToArray()).ConfigureAwait(false);
                    pending.Clear();
                    break;
                }
            }
        }
    }

    private static string? CleartextMethod(ReadOnlySpan<byte> switchRequest)
    {
        var end = switchRequest.IndexOf((byte)0);
        var name = Encoding.ASCII.GetString(end < 0 ? switchRequest : switchRequest[..end]);
        return Array.IndexOf(CleartextMethods, name) >= 0 ? name : null;
    }

    private async Task SendAllAsync(Socket to, ReadOnlyMemory<byte> bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await to.SendAsync(bytes[sent..], SocketFlags.None, _stop.Token).ConfigureAwait(false);
        }
    }

    private void Abort()
    {
        foreach (var socket in new[] { _client, _upstream })
        {
            if (socket is null)
            {
                continue;
            }

            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        _listener.Close();
    }
}
