using System.Net;
using System.Text;
using EscRotators.Runtime;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class RuntimeApiResponseReaderTests
{
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public async Task Content_length_body_is_read_whatever_the_read_sizes(int bytesPerRead)
    {
        var reader = Reader("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-1\r\nContent-Length: 5\r\n\r\nhello", bytesPerRead);

        var response = await reader.ReadAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Header("lambda-runtime-aws-request-id"), Is.EqualTo("r-1"), "header names are case-insensitive");
            Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("hello"));
            Assert.That(reader.KeepAlive, Is.True);
        });
    }

    [TestCase(1)]
    [TestCase(4096)]
    public async Task Chunked_body_with_extensions_and_trailers_is_reassembled(int bytesPerRead)
    {
        var reader = Reader(
            "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n",
            bytesPerRead);

        var first = await reader.ReadAsync(CancellationToken.None);
        var second = await reader.ReadAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(Encoding.ASCII.GetString(first.Body), Is.EqualTo("Wikipedia in\r\n\r\nchunks."));
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "the next response starts right after the trailers");
            Assert.That(second.Body, Is.Empty);
        });
    }

    [Test]
    public async Task Large_body_arrives_intact()
    {
        var payload = new byte[6 * 1024 * 1024];
        new Random(42).NextBytes(payload);
        byte[] wire = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {payload.Length}\r\n\r\n"), .. payload];
        var reader = new RuntimeApiResponseReader(new TrickleStream(wire, 65_536));

        var response = await reader.ReadAsync(CancellationToken.None);

        Assert.That(response.Body, Is.EqualTo(payload));
    }

    [Test]
    public async Task Body_without_length_runs_to_the_end_of_the_connection_which_is_not_reused()
    {
        var reader = Reader("HTTP/1.1 200 OK\r\n\r\nuntil close", bytesPerRead: 3);

        var response = await reader.ReadAsync(CancellationToken.None);

        Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("until close"));
        Assert.That(reader.KeepAlive, Is.False);
    }

    [TestCase("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")]
    [TestCase("HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n")]
    public async Task Connection_close_or_http_1_0_ends_keep_alive(string wire)
    {
        var reader = Reader(wire, bytesPerRead: 4096);

        await reader.ReadAsync(CancellationToken.None);

        Assert.That(reader.KeepAlive, Is.False);
    }

    [Test]
    public async Task Interim_100_continue_is_skipped()
    {
        var reader = Reader("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}", bytesPerRead: 4096);

        var response = await reader.ReadAsync(CancellationToken.None);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
    }

    [Test]
    public async Task Error_status_keeps_its_reason_and_body()
    {
        var reader = Reader("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 7\r\n\r\n{\"x\":1}", bytesPerRead: 4096);

        var response = await reader.ReadAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(response.IsSuccessStatusCode, Is.False);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(response.ReasonPhrase, Is.EqualTo("Payload Too Large"));
            Assert.That(Encoding.ASCII.GetString(response.Body), Is.EqualTo("{\"x\":1}"));
        });
    }

    [TestCase("", "without answering")]
    [TestCase("HTTP/1.1 20", "in the middle of a response")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "in the middle of a response body")]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "in the middle of a response body")]
    public void Connection_closed_early_is_an_IOException(string wire, string explanation)
    {
        var reader = Reader(wire, bytesPerRead: 4096);

        var thrown = Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain(explanation));
    }

    [TestCase("SMTP 220 ready\r\n\r\n")]
    [TestCase("HTTP/1.1 2000 OK\r\n\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [TestCase("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX\r\n0\r\n\r\n")]
    public void Malformed_response_is_an_IOException(string wire)
    {
        var reader = Reader(wire, bytesPerRead: 4096);

        var thrown = Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("malformed"));
    }

    [Test]
    public void Endless_header_section_is_refused_instead_of_buffered()
    {
        var header = "X-Filler: " + new string('a', 1000) + "\r\n";
        var wire = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat(header, 100)) + "\r\n";
        var reader = Reader(wire, bytesPerRead: 4096);

        var thrown = Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("too large"));
    }

    [Test]
    public void Body_beyond_the_limit_is_refused_before_it_is_allocated()
    {
        var reader = Reader($"HTTP/1.1 200 OK\r\nContent-Length: {RuntimeApiResponseReader.MaxBodyBytes + 1}\r\n\r\n", bytesPerRead: 4096);

        var thrown = Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("too large"));
    }

    private static RuntimeApiResponseReader Reader(string wire, int bytesPerRead) =>
        new(new TrickleStream(Encoding.Latin1.GetBytes(wire), bytesPerRead));
}
