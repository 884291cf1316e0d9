using System.Text;
using EscRotators.Runtime;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class RuntimeApiConnectionTests
{
    private const string Accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}";

    [Test]
    public async Task Requests_reuse_one_kept_alive_connection()
    {
        await using var server = ScriptedHttpServer.Start(
            ScriptedReply.Raw(Accepted),
            ScriptedReply.Raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            ScriptedReply.Raw(Accepted));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent");

        for (var i = 0; i < 3; i++)
        {
            await Send(connection, "POST", "{}");
        }

        Assert.That(server.ConnectionsAccepted, Is.EqualTo(1));
        Assert.That(connection.ConnectionsOpened, Is.EqualTo(1));
    }

    [Test]
    public async Task Request_is_resent_on_a_new_connection_when_the_server_closed_the_idle_one()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw(Accepted, closeAfter: true), ScriptedReply.Raw(Accepted));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent");
        await Send(connection, "POST", "first");
        await server.WaitForRequestAsync();

        var second = await Send(connection, "POST", "second");

        Assert.Multiple(async () =>
        {
            Assert.That(second.IsSuccessStatusCode, Is.True);
            Assert.That(Encoding.ASCII.GetString((await server.WaitForRequestAsync()).Body), Is.EqualTo("second"));
            Assert.That(server.ConnectionsAccepted, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Connection_close_response_opens_a_new_connection_for_the_next_request()
    {
        await using var server = ScriptedHttpServer.Start(
            ScriptedReply.Raw("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
            ScriptedReply.Raw(Accepted));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent");

        await Send(connection, "POST", "a");
        await Send(connection, "POST", "b");

        Assert.That(connection.ConnectionsOpened, Is.EqualTo(2));
    }

    [Test]
    public async Task Response_broken_after_its_first_bytes_is_not_resent()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw(Accepted), ScriptedReply.Raw("HTTP/1.1 2", closeAfter: true));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent");
        await Send(connection, "POST", "a");

        Assert.ThrowsAsync<IOException>(() => Send(connection, "POST", "b"));
        Assert.That(server.ConnectionsAccepted, Is.EqualTo(1), "the server may have acted on it: never send it twice");
    }

    [Test]
    public async Task Request_carries_host_user_agent_headers_and_content_length()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw(Accepted));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent/1");
        var body = new byte[100_000];
        new Random(7).NextBytes(body);

        await connection.SendAsync("POST", "/path/x%20y", body, [new("X-Custom", "value")], CancellationToken.None);

        var request = await server.WaitForRequestAsync();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.Path, Is.EqualTo("/path/x%20y"));
            Assert.That(request.Headers["Host"], Is.EqualTo(server.Address));
            Assert.That(request.Headers["User-Agent"], Is.EqualTo("test-agent/1"));
            Assert.That(request.Headers["X-Custom"], Is.EqualTo("value"));
            Assert.That(request.Headers["Content-Length"], Is.EqualTo("100000"));
            Assert.That(request.Body, Is.EqualTo(body));
        });
    }

    [Test]
    public async Task Cancelled_request_drops_the_connection_and_the_next_one_reconnects()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Silence, ScriptedReply.Raw(Accepted));
        using var connection = new RuntimeApiConnection(server.Address, "test-agent");
        using var cancel = new CancellationTokenSource();
        var pending = connection.SendAsync("GET", "/next", ReadOnlyMemory<byte>.Empty, [], cancel.Token);
        await server.WaitForRequestAsync();

        await cancel.CancelAsync();

        Assert.That(async () => await pending, Throws.InstanceOf<OperationCanceledException>());
        var after = await Send(connection, "POST", "x");
        Assert.That(after.IsSuccessStatusCode, Is.True);
        Assert.That(connection.ConnectionsOpened, Is.EqualTo(2));
    }

    [Test]
    public void Unreachable_address_is_an_IOException_naming_it()
    {
        var address = $"127.0.0.1:{LocalRuntimeApi.FindFreePort()}";
        using var connection = new RuntimeApiConnection(address, "test-agent");

        var thrown = Assert.ThrowsAsync<IOException>(() => Send(connection, "GET", string.Empty));

        Assert.That(thrown!.Message, Does.Contain(address).And.Contain("ConnectionRefused"));
    }

    [TestCase("no-port")]
    [TestCase("127.0.0.1:")]
    [TestCase("127.0.0.1:70000")]
    public void Address_without_a_valid_port_is_rejected(string address)
    {
        Assert.Throws<ArgumentException>(() => new RuntimeApiConnection(address, "test-agent"));
    }

    private static Task<RuntimeApiResponse> Send(RuntimeApiConnection connection, string method, string body) =>
        connection.SendAsync(method, "/2018-06-01/runtime/test", Encoding.ASCII.GetBytes(body), [], CancellationToken.None);
}
