using System.Text.Json;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Adapter;
using EscRotators.Logging;
using EscRotators.Rotation;

namespace EscRotators.UnitTests.Adapter;

public sealed class FunctionUrlTransportTests
{
    [TestCase("""{"type":"mysql","host":"h","port":3306}""")]
    [TestCase("""{"type":"postgres","inputs":{}}""")]
    [TestCase("""{"requestContext":{"accountId":"1"}}""")]
    [TestCase("not json at all")]
    [TestCase("")]
    public void Events_without_requestContext_http_are_not_HTTP_requests(string payload) =>
        Assert.That(Read(payload), Is.Null);

    [TestCase(false)]
    [TestCase(true)]
    public async Task A_format_2_event_reaches_the_adapter_with_its_raw_body_and_gets_statusCode_headers_body(bool base64)
    {
        using var harness = new AdapterHarness();
        var body = AdapterHarness.Body();
        var evt = new JsonObject
        {
            ["version"] = "2.0",
            ["rawPath"] = "/",
            ["headers"] = new JsonObject { ["content-type"] = "application/json", ["authorization"] = "Bearer " + harness.Token(body) },
            ["requestContext"] = new JsonObject { ["http"] = new JsonObject { ["method"] = "POST", ["path"] = "/" } },
            ["body"] = base64 ? Convert.ToBase64String(body) : Encoding.UTF8.GetString(body),
            ["isBase64Encoded"] = base64,
        };
        var transport = new FunctionUrlTransport(harness.Adapter, new RotatorLogger(new LogSink(harness.Log, LogFormat.Text, LogLevel.Info)));

        var http = Read(evt.ToJsonString());
        var reply = JsonNode.Parse((await transport.HandleAsync(http!, "req", InvocationBudget.StartingNow(TimeSpan.FromSeconds(30), TimeProvider.System), CancellationToken.None)).Span)!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((int?)reply["statusCode"], Is.EqualTo(200), reply.ToJsonString());
            Assert.That((string?)reply["headers"]?["content-type"], Is.EqualTo("application/json"));
            Assert.That((string?)JsonNode.Parse((string)reply["body"]!)?["username"], Is.EqualTo("user1"));
        }
    }

    [Test]
    public async Task Without_an_audience_configured_HTTP_requests_get_503_and_the_log_says_what_to_set()
    {
        var log = new StringWriter();
        var transport = new FunctionUrlTransport(null, new RotatorLogger(new LogSink(log, LogFormat.Text, LogLevel.Info)));
        var http = Read("""{"requestContext":{"http":{"method":"POST"}},"body":"{}"}""");

        var reply = JsonNode.Parse((await transport.HandleAsync(http!, "req", InvocationBudget.StartingNow(TimeSpan.FromSeconds(3), TimeProvider.System), CancellationToken.None)).Span)!;

        Assert.That((int?)reply["statusCode"], Is.EqualTo(503));
        Assert.That(log.ToString(), Does.Contain("ESC_ROTATOR_AUDIENCE"));
    }

    // As bootstrap reads a payload: one parse, then the transport tells whether it is an HTTP event.
    private static FunctionUrlEvent? Read(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            return FunctionUrlTransport.TryRead(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
