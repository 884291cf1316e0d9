using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>The fault proxy itself, against a loopback echo server: each scripted action does what the fault tests rely on.</summary>
[TestFixture]
public sealed class FaultProxyTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(2);

    [Test]
    public async Task Before_it_starts_and_after_it_stops_listening_the_port_refuses_connections()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.ForwardAll("127.0.0.1", echo.Port);

        Assert.That(await ConnectErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionRefused), "not listening yet");

        proxy.Start();
        using (var client = await ConnectAsync(proxy.Port))
        {
            Assert.That(await EchoAsync(client, "one"), Is.EqualTo("one"));
        }

        proxy.StopListening();
        Assert.That(await ConnectErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionRefused), "stopped listening");
    }

    [Test]
    public async Task StartAfter_turns_refusals_into_accepted_connections()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.ForwardAll("127.0.0.1", echo.Port);

        proxy.StartAfter(TimeSpan.FromMilliseconds(150));
        Assert.That(await ConnectErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionRefused));
        await Task.Delay(300);
        using var client = await ConnectAsync(proxy.Port);
        Assert.That(await EchoAsync(client, "late"), Is.EqualTo("late"));
    }

    [Test]
    public async Task ForwardFirstThen_refuse_forwards_connection_1_and_resets_every_later_one()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.ForwardFirstThen("127.0.0.1", echo.Port, ProxyAction.Refuse);
        proxy.Start();

        using var first = await ConnectAsync(proxy.Port);
        Assert.That(await EchoAsync(first, "first"), Is.EqualTo("first"));
        Assert.That(await ResetErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionReset), proxy.Describe());
        Assert.That(await EchoAsync(first, "still"), Is.EqualTo("still"), "connection 1 is unaffected");
    }

    [Test]
    public async Task RefuseFirst_resets_the_first_connections_then_forwards()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.RefuseFirst("127.0.0.1", echo.Port, 2);
        proxy.Start();

        for (var i = 0; i < 2; i++)
        {
            Assert.That(await ResetErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionReset), proxy.Describe());
        }

        using var third = await ConnectAsync(proxy.Port);
        Assert.That(await EchoAsync(third, "third"), Is.EqualTo("third"));
    }

    [Test]
    public async Task StopListeningAfterClosed_refuses_once_that_connection_has_ended()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.ForwardAll("127.0.0.1", echo.Port).StopListeningAfterClosed(1);
        proxy.Start();

        using (var first = await ConnectAsync(proxy.Port))
        {
            Assert.That(await EchoAsync(first, "bye"), Is.EqualTo("bye"));
            first.Shutdown(SocketShutdown.Send);
        }

        Assert.That(await proxy.AllClosedWithinAsync(Quick), Is.True, proxy.Describe());
        Assert.That(await ConnectErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public async Task ForwardFirstSessionThen_ignores_connections_that_carried_no_bytes()
    {
        // Client speaks first, as in PostgreSQL's protocol.
        await using var echo = EchoServer.Start();
        await using var proxy = FaultProxy.ForwardFirstSessionThen("127.0.0.1", echo.Port, ProxyAction.Refuse);
        proxy.Start();

        using (await ConnectAsync(proxy.Port))
        {
            // opened and dropped without a byte, as Npgsql's slim data source does before each login
        }

        using var session = await ConnectAsync(proxy.Port);
        Assert.That(await EchoAsync(session, "startup"), Is.EqualTo("startup"), "the server answered the first session");
        Assert.That(await ResetErrorAsync(proxy.Port), Is.EqualTo(SocketError.ConnectionReset), proxy.Describe());
    }

    [Test]
    public async Task Stall_accepts_never_answers_and_notices_when_the_client_hangs_up()
    {
        await using var proxy = FaultProxy.StallAll();
        proxy.Start();

        using (var client = await ConnectAsync(proxy.Port))
        {
            await client.SendAsync("anyone?"u8.ToArray());
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.That(
                async () => await client.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token),
                Throws.InstanceOf<OperationCanceledException>(),
                "not a byte comes back");
            Assert.That(proxy.Closed, Is.Zero);
        }

        Assert.That(await proxy.AllClosedWithinAsync(Quick), Is.True, proxy.Describe());
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task<SocketError?> ConnectErrorAsync(int port)
    {
        try
        {
            using var socket = await ConnectAsync(port);
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    /// <summary>
    /// Connects and reads: the error a reset connection gives, whether the RST arrives during the connect or the
    /// read (ConnectionReset also when it shows as a plain end of stream); null when a byte came back.
    /// </summary>
    private static async Task<SocketError?> ResetErrorAsync(int port)
    {
        using var wait = new CancellationTokenSource(Quick);
        try
        {
            using var socket = await ConnectAsync(port);
            var read = await socket.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token);
            return read == 0 ? SocketError.ConnectionReset : null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    private static async Task<string> EchoAsync(Socket socket, string text)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(text));
        return await ReceiveAsync(socket);
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        using var wait = new CancellationTokenSource(Quick);
        var buffer = new byte[256];
        var read = await socket.ReceiveAsync(buffer, SocketFlags.None, wait.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }
}
