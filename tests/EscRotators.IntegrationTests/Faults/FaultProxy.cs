using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>
/// A loopback TCP proxy in front of a real database server, scripted per incoming connection (numbered from 1 in
/// accept order): forward, reset or stall it. The port is bound at construction but not listening, so a connect
/// before <see cref="Start"/> gets a real ECONNREFUSED from the kernel; <see cref="StopListening"/> (or
/// <see cref="StopListeningAfterClosed"/>) goes back to refusing. Dispose closes every socket it holds.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly Func<int, ProxyAction> _script;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _tasks = [];
    private readonly List<string> _journal = [];
    private readonly long _created = Environment.TickCount64;
    private readonly Dictionary<int, List<int>> _clientReads = [];
    private readonly HashSet<int> _answered = [];
    private long _bytesFromServer;
    private int _silenced;
    private int _tlsOffersStripped;
    private int _accepted;
    private int _closed;
    private int _stopAfterClosed;
    private bool _listening;
    private bool _listenerClosed;

    /// <param name="script">Given the connection's number (1, 2, ...), what to do with it.</param>
    public FaultProxy(string upstreamHost, int upstreamPort, Func<int, ProxyAction> script)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _script = script;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    /// <summary>The loopback port to point the rotator at (host 127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>How many connections were accepted so far (kernel-refused connects are not counted).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Bytes the real server has sent through the proxy, over all connections.</summary>
    public long BytesFromServer => Interlocked.Read(ref _bytesFromServer);

    /// <summary>How many accepted connections have ended (both sockets closed).</summary>
    public int Closed => Volatile.Read(ref _closed);

    /// <summary>What happened to each connection, for failure messages: number, action, bytes each way, end time.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            return _journal.Count == 0 ? "(no connection accepted)" : string.Join("; ", _journal);
        }
    }

    /// <summary>Waits until every accepted connection has ended, or <paramref name="timeout"/> passed; true when all did.</summary>
    public async Task<bool> AllClosedWithinAsync(TimeSpan timeout)
    {
        var until = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Closed < Accepted)
        {
            if (Environment.TickCount64 > until)
            {
                return false;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>When set, forwarded connections go silent server-side once this trigger fires (see <see cref="ServerSilence"/>).</summary>
    public ServerSilence? Silence { get; set; }

    /// <summary>
    /// When set, the MySQL/MariaDB server greeting of each new connection loses its TLS offer (CLIENT_SSL), as a
    /// machine in the path could strip it.
    /// </summary>
    public bool StripMySqlTlsOffer { get; set; }

    /// <summary>How many server greetings lost their TLS offer.</summary>
    public int TlsOffersStripped => Volatile.Read(ref _tlsOffersStripped);

    /// <summary>How many times the server went silent on a connection.</summary>
    public int Silenced => Volatile.Read(ref _silenced);

    /// <summary>The sizes of the proxy's reads from the client, per forwarded connection the server answered, in accept order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> ClientReadSizesOfAnsweredConnections()
    {
        lock (_gate)
        {
            return [.. _answered.Order().Select(n => (IReadOnlyList<int>)[.. _clientReads.GetValueOrDefault(n) ?? []])];
        }
    }

    /// <summary>Every connection is forwarded.</summary>
    public static FaultProxy ForwardAll(string host, int port) => new(host, port, _ => ProxyAction.Forward);

    /// <summary>Connections 1..<paramref name="count"/> are reset, later ones forwarded.</summary>
    public static FaultProxy RefuseFirst(string host, int port, int count) =>
        new(host, port, n => n <= count ? ProxyAction.Refuse : ProxyAction.Forward);

    /// <summary>Connection 1 is forwarded; every later one gets <paramref name="later"/>.</summary>
    public static FaultProxy ForwardFirstThen(string host, int port, ProxyAction later) =>
        new(host, port, n => n == 1 ? ProxyAction.Forward : later);

    /// <summary>
    /// Connections are forwarded until the server has answered on one of them (the first session is under way);
    /// every connection accepted after that gets <paramref name="later"/>. Unlike <see cref="ForwardFirstThen"/>,
    /// this does not count connections a driver opens and drops without a byte (Npgsql's slim data source does that
    /// before each login), and it has no race: a client cannot start its next login before the server answered.
    /// </summary>
    public static FaultProxy ForwardFirstSessionThen(string host, int port, ProxyAction later)
    {
        FaultProxy? proxy = null;
        proxy = new FaultProxy(host, port, _ => proxy!.BytesFromServer == 0 ? ProxyAction.Forward : later);
        return proxy;
    }

    /// <summary>Every connection is accepted and left silent.</summary>
    public static FaultProxy StallAll() => new("127.0.0.1", 0, _ => ProxyAction.Stall);

    /// <summary>Starts listening and accepting now (no-op once stopped or disposed).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || _listening || _listenerClosed)
            {
                return;
            }

            _listener.Listen(64);
            _listening = true;
            _tasks.Add(Task.Run(AcceptLoopAsync));
        }
    }

    /// <summary>Starts listening after <paramref name="delay"/>; connects before that are refused by the kernel.</summary>
    public void StartAfter(TimeSpan delay)
    {
        lock (_gate)
        {
            _tasks.Add(StartLaterAsync(delay));
        }
    }

    /// <summary>Closes the listening socket: later connects are refused (connections already accepted go on).</summary>
    public void StopListening()
    {
        lock (_gate)
        {
            if (_listenerClosed)
            {
                return;
            }

            _listenerClosed = true;
            _listener.Close();
        }
    }

    /// <summary>Stops listening as soon as connection number <paramref name="connection"/> has ended.</summary>
    public FaultProxy StopListeningAfterClosed(int connection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connection, 1);
        Volatile.Write(ref _stopAfterClosed, connection);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        Task[] tasks;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            _listenerClosed = true;
            _listener.Close();
            foreach (var socket in _sockets)
            {
                socket.Close(0);
            }

            _sockets.Clear();
            tasks = [.. _tasks];
        }

        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // Sockets closed under their pumps; nothing left to clean.
        }

        _disposed.Dispose();
    }

    private async Task StartLaterAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Start();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_disposed.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_disposed.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopped listening or disposed
            }

            var number = Interlocked.Increment(ref _accepted);
            var action = _script(number);
            Note($"#{number} {action} at +{Environment.TickCount64 - _created} ms");
            switch (action)
            {
                case ProxyAction.Refuse:
                    client.LingerState = new LingerOption(true, 0);
                    client.Close(); // RST
                    ConnectionEnded(number);
                    break;
                case ProxyAction.Stall:
                    if (!Track(client))
                    {
                        return;
                    }

                    lock (_gate)
                    {
                        _tasks.Add(StallAsync(number, client));
                    }

                    break;
                default:
                    if (!Track(client))
                    {
                        return;
                    }

                    lock (_gate)
                    {
                        _tasks.Add(ForwardAsync(number, client));
                    }

                    break;
            }
        }
    }

    private async Task ForwardAsync(int number, Socket client)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            if (!Track(upstream))
            {
                return;
            }

            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _disposed.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var silent = new StrongBox<bool>();
            var sizes = await Task.WhenAll(
                    PumpAsync(client, upstream, fromServer: false, number, silent),
                    PumpAsync(upstream, client, fromServer: true, number, silent))
                .ConfigureAwait(false);
            Note($"#{number} forwarded {sizes[0]} bytes up, {sizes[1]} down, ended at +{Environment.TickCount64 - _created} ms");
        }
        finally
        {
            Forget(client);
            Forget(upstream);
            ConnectionEnded(number);
        }
    }

    /// <summary>Reads and drops whatever the client sends, answers nothing, and notes when the client hangs up.</summary>
    private async Task StallAsync(int number, Socket client)
    {
        var buffer = new byte[4096];
        long total = 0;
        try
        {
            int read;
            while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return; // disposed, or the client reset the connection
        }
        finally
        {
            if (!_disposed.IsCancellationRequested)
            {
                Note($"#{number} stalled {total} bytes from the client, closed by it at +{Environment.TickCount64 - _created} ms");
                Forget(client);
                ConnectionEnded(number);
            }
        }
    }

    /// <summary>Copies until <paramref name="from"/> ends, then half-closes <paramref name="to"/>; on a reset, closes both.</summary>
    private async Task<long> PumpAsync(Socket from, Socket to, bool fromServer, int number, StrongBox<bool> silent)
    {
        var buffer = new byte[16 * 1024];
        var silence = Silence;
        var tail = Array.Empty<byte>();
        var reads = 0;
        long total = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return total;
                }

                if (fromServer && total == 0 && StripMySqlTlsOffer && StripTlsOffer(buffer.AsSpan(0, read)))
                {
                    Interlocked.Increment(ref _tlsOffersStripped);
                }

                total += read;
                if (fromServer)
                {
                    if (Volatile.Read(ref silent.Value))
                    {
                        continue; // the server's answer never reaches the client
                    }

                    Interlocked.Add(ref _bytesFromServer, read); // counted before the client can see them
                    lock (_gate)
                    {
                        _answered.Add(number);
                    }
                }
                else
                {
                    reads++;
                    lock (_gate)
                    {
                        if (!_clientReads.TryGetValue(number, out var sizes))
                        {
                            _clientReads[number] = sizes = [];
                        }

                        sizes.Add(read);
                    }

                    if (silence is not null && !Volatile.Read(ref silent.Value) && Triggered(silence, ref tail, buffer.AsSpan(0, read)))
                    {
                        Volatile.Write(ref silent.Value, true);
                        Interlocked.Increment(ref _silenced);
                        Note($"#{number} server silenced after client read {reads} at +{Environment.TickCount64 - _created} ms");
                        if (silence.Hangup)
                        {
                            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _disposed.Token).ConfigureAwait(false);
                            from.LingerState = new LingerOption(true, 0);
                            from.Close(); // RST to the client, right after the statement went on to the server
                            return total;
                        }
                    }
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _disposed.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            from.Close(0);
            to.Close(0);
            return total;
        }
    }

    // Protocol 10 greeting: 4-byte header, version byte, NUL-terminated server version, connection id (4), scramble
    // (8), filler (1), then the low two capability bytes; CLIENT_SSL is 0x0800.
    private static bool StripTlsOffer(Span<byte> greeting)
    {
        var end = greeting.Length > 5 ? greeting[5..].IndexOf((byte)0) : -1;
        var capabilities = 5 + end + 1 + 4 + 8 + 1;
        if (end < 0 || greeting[4] != 10 || greeting.Length < capabilities + 2)
        {
            return false;
        }

        greeting[capabilities + 1] &= unchecked((byte)~0x08);
        return true;
    }

    // The pattern may straddle two reads: keep the last Pattern.Length - 1 bytes and search across the seam.
    private static bool Triggered(ServerSilence silence, ref byte[] tail, ReadOnlySpan<byte> chunk)
    {
        if (silence.ClientReadSize is { } size && chunk.Length == size)
        {
            return true;
        }

        if (silence.Pattern is not { Length: > 0 } pattern)
        {
            return false;
        }

        var joined = new byte[tail.Length + chunk.Length];
        tail.CopyTo(joined, 0);
        chunk.CopyTo(joined.AsSpan(tail.Length));
        if (joined.AsSpan().IndexOf(pattern) >= 0)
        {
            return true;
        }

        var keep = Math.Min(pattern.Length - 1, joined.Length);
        tail = joined[^keep..];
        return false;
    }

    private void Note(string line)
    {
        lock (_gate)
        {
            _journal.Add(line);
        }
    }

    private bool Track(Socket socket)
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                socket.Close(0);
                return false;
            }

            _sockets.Add(socket);
            return true;
        }
    }

    private void Forget(Socket socket)
    {
        lock (_gate)
        {
            _sockets.Remove(socket);
        }

        socket.Close();
    }

    private void ConnectionEnded(int number)
    {
        Interlocked.Increment(ref _closed);
        if (number == Volatile.Read(ref _stopAfterClosed))
        {
            StopListening();
        }
    }
}
