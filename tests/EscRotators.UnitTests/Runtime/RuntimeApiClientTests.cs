using System.Net;
using System.Text;
using System.Text.Json;
using EscRotators.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class RuntimeApiClientTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private LocalRuntimeApi _api = null!;
    private FakeTimeProvider _time = null!;
    private RuntimeApiClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _api = LocalRuntimeApi.Start();
        _time = new FakeTimeProvider(Now);
        _client = new RuntimeApiClient(_api.Address, _time);
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    [Test]
    public async Task Next_request_has_no_timeout()
    {
        var next = _client.GetNextInvocationAsync(CancellationToken.None);
        await _api.WaitForNextRequestAsync();

        // Any timeout measured on the client's clock would fire here.
        _time.Advance(TimeSpan.FromDays(1));
        await Task.Yield();
        Assert.That(next.IsCompleted, Is.False, "/next gave up while Lambda had no event yet");

        _api.Enqueue(new QueuedInvocation("late", "{}"u8.ToArray()));
        var invocation = await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(invocation.Context.AwsRequestId, Is.EqualTo("late"));
    }

    [Test]
    public async Task Post_that_gets_no_answer_fails_after_the_post_timeout()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Silence);
        using var client = new RuntimeApiClient(server.Address, _time);
        var post = client.SendResponseAsync("req-1", "{}"u8.ToArray(), CancellationToken.None);
        await server.WaitForRequestAsync();

        _time.Advance(RuntimeApiClient.PostTimeout - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.That(post.IsCompleted, Is.False, "gave up before the timeout");
        _time.Advance(TimeSpan.FromMilliseconds(1));

        var thrown = Assert.ThrowsAsync<IOException>(async () => await post.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(thrown!.Message, Does.Contain("did not answer"));
    }

    [Test]
    public async Task Next_returns_event_payload_bytes()
    {
        var payload = Encoding.UTF8.GetBytes("{\"Step\":\"createSecret\",\"Token\":\"t-1\"}");
        _api.Enqueue(new QueuedInvocation("req-1", payload));

        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None);

        Assert.That(invocation.Payload.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public async Task Large_event_and_large_reply_cross_intact()
    {
        var payload = new byte[6 * 1024 * 1024];
        new Random(11).NextBytes(payload);
        _api.Enqueue(new QueuedInvocation("big", payload));

        var invocation = await _client.GetNextInvocationAsync(CancellationToken.None);
        await _client.SendResponseAsync("big", invocation.Payload, CancellationToken.None);

        var post = await _api.WaitForPostAsync();
        Assert.That(invocation.Payload.ToArray(), Is.EqualTo(payload));
        Assert.That(post.Body, Is.EqualTo(payload));
    }

    [Test]
    public async Task Context_exposes_request_id_trace_and_deadline()
    {
        var deadline = Now.AddSeconds(30);
        _api.Enqueue(new QueuedInvocation("req-ctx", [])
        {
            Deadline = deadline,
            TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        });

        var context = (await _client.GetNextInvocationAsync(CancellationToken.None)).Context;

        Assert.Multiple(() =>
        {
            Assert.That(context.AwsRequestId, Is.EqualTo("req-ctx"));
            Assert.That(context.TraceId, Is.EqualTo("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"));
            Assert.That(context.Deadline, Is.EqualTo(deadline));
        });
    }

    [Test]
    public async Task Context_without_optional_headers_has_no_trace_and_no_deadline()
    {
        _api.Enqueue(new QueuedInvocation("bare", []));

        var context = (await _client.GetNextInvocationAsync(CancellationToken.None)).Context;

        Assert.Multiple(() =>
        {
            Assert.That(context.TraceId, Is.Null);
            Assert.That(context.Deadline, Is.EqualTo(DateTimeOffset.MaxValue));
        });
    }

    [TestCase("not-a-number")]
    [TestCase("-5")]
    [TestCase("99999999999999999999")]
    public async Task Malformed_deadline_means_none_known(string deadline)
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw(
            $"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\nContent-Length: 0\r\n\r\n"));
        using var client = new RuntimeApiClient(server.Address, _time);

        var context = (await client.GetNextInvocationAsync(CancellationToken.None)).Context;

        Assert.That(context.Deadline, Is.EqualTo(DateTimeOffset.MaxValue));
    }

    [Test]
    public async Task Chunked_next_response_is_read()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw(
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"));
        using var client = new RuntimeApiClient(server.Address, _time);

        var invocation = await client.GetNextInvocationAsync(CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(invocation.Payload.Span), Is.EqualTo("{}"));
    }

    [Test]
    public async Task Next_without_request_id_throws_RuntimeApiException()
    {
        await using var server = ScriptedHttpServer.Start(ScriptedReply.Raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
        using var client = new RuntimeApiClient(server.Address, _time);

        var thrown = Assert.ThrowsAsync<RuntimeApiException>(() => client.GetNextInvocationAsync(CancellationToken.None));

        Assert.That(thrown!.Message, Does.Contain("Lambda-Runtime-Aws-Request-Id"));
    }

    [Test]
    public void Next_error_status_throws_RuntimeApiException()
    {
        _api.FailNextRequestsWith(HttpStatusCode.InternalServerError);

        var thrown = Assert.ThrowsAsync<RuntimeApiException>(() => _client.GetNextInvocationAsync(CancellationToken.None));

        Assert.That(thrown!.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(thrown.Message, Does.Contain("/next").And.Contain("500").And.Contain("local runtime API refused"));
    }

    [Test]
    public async Task Response_is_posted_to_response_endpoint_with_user_agent()
    {
        await _client.SendResponseAsync("req/with space", "{\"ok\":true}"u8.ToArray(), CancellationToken.None);

        var post = await _api.WaitForPostAsync();
        Assert.Multiple(() =>
        {
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.Response));
            Assert.That(post.RequestId, Is.EqualTo("req/with space"));
            Assert.That(post.BodyText, Is.EqualTo("{\"ok\":true}"));
            Assert.That(post.Header("User-Agent"), Is.EqualTo("EscRotators/0.1"));
        });
    }

    [Test]
    public void Rejected_response_throws_RuntimeApiException_with_status()
    {
        _api.FailResponseFor("too-big", HttpStatusCode.RequestEntityTooLarge);

        var thrown = Assert.ThrowsAsync<RuntimeApiException>(
            () => _client.SendResponseAsync("too-big", new byte[16], CancellationToken.None));

        Assert.That(thrown!.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task Error_body_has_errorMessage_errorType_stackTrace_and_error_type_header()
    {
        var failure = CaptureThrown(() => throw new InvalidOperationException("secret version not found"));

        await _client.ReportInvocationErrorAsync("req-err", failure, CancellationToken.None);

        var post = await _api.WaitForPostAsync();
        using var body = JsonDocument.Parse(post.Body);
        var root = body.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.InvocationError));
            Assert.That(post.RequestId, Is.EqualTo("req-err"));
            Assert.That(post.Header("Lambda-Runtime-Function-Error-Type"), Is.EqualTo("Function.UnhandledException"));
            Assert.That(post.Header("Content-Type"), Is.EqualTo("application/vnd.aws.lambda.error+json"));
            Assert.That(root.GetProperty("errorMessage").GetString(), Is.EqualTo("secret version not found"));
            Assert.That(root.GetProperty("errorType").GetString(), Is.EqualTo("InvalidOperationException"));
            Assert.That(root.GetProperty("stackTrace").ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(root.GetProperty("stackTrace").GetArrayLength(), Is.GreaterThan(0));
            Assert.That(
                root.GetProperty("stackTrace").EnumerateArray().Select(frame => frame.GetString()),
                Has.All.StartWith("at ").And.Some.Contain(nameof(RuntimeApiClientTests)));
        });
    }

    [Test]
    public async Task Error_body_of_a_never_thrown_exception_has_empty_stack_trace()
    {
        await _client.ReportInvocationErrorAsync("req-err", new TimeoutException("quote \" and newline \n"), CancellationToken.None);

        var post = await _api.WaitForPostAsync();
        using var body = JsonDocument.Parse(post.Body);
        Assert.Multiple(() =>
        {
            Assert.That(body.RootElement.GetProperty("errorMessage").GetString(), Is.EqualTo("quote \" and newline \n"));
            Assert.That(body.RootElement.GetProperty("stackTrace").GetArrayLength(), Is.Zero);
        });
    }

    [Test]
    public async Task Initialization_error_is_posted_to_init_error_with_runtime_error_type()
    {
        await _client.ReportInitializationErrorAsync(new InvalidOperationException("no config"), CancellationToken.None);

        var post = await _api.WaitForPostAsync();
        using var body = JsonDocument.Parse(post.Body);
        Assert.Multiple(() =>
        {
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.InitializationError));
            Assert.That(post.Header("Lambda-Runtime-Function-Error-Type"), Is.EqualTo("Runtime.InitError"));
            Assert.That(body.RootElement.GetProperty("errorMessage").GetString(), Is.EqualTo("no config"));
        });
    }

    [Test]
    public async Task Whole_invocation_cycles_share_one_connection()
    {
        for (var i = 0; i < 3; i++)
        {
            _api.Enqueue(new QueuedInvocation($"req-{i}", "{}"u8.ToArray()));
            var invocation = await _client.GetNextInvocationAsync(CancellationToken.None);
            await _client.SendResponseAsync(invocation.Context.AwsRequestId, "{}"u8.ToArray(), CancellationToken.None);
        }

        Assert.That(_api.ConnectionsAccepted, Is.EqualTo(1));
    }

    [Test]
    public void Unreachable_runtime_api_fails_with_IOException()
    {
        using var client = new RuntimeApiClient($"127.0.0.1:{LocalRuntimeApi.FindFreePort()}");

        Assert.ThrowsAsync<IOException>(() => client.GetNextInvocationAsync(CancellationToken.None));
    }

    [Test]
    public void FromEnvironment_without_variable_explains_what_is_missing()
    {
        var saved = Environment.GetEnvironmentVariable(RuntimeApiClient.AddressEnvironmentVariable);
        Environment.SetEnvironmentVariable(RuntimeApiClient.AddressEnvironmentVariable, null);
        try
        {
            var thrown = Assert.Throws<InvalidOperationException>(() => RuntimeApiClient.FromEnvironment());
            Assert.That(thrown!.Message, Does.Contain("AWS_LAMBDA_RUNTIME_API"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(RuntimeApiClient.AddressEnvironmentVariable, saved);
        }
    }

    private static Exception CaptureThrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new AssertionException("The action did not throw.");
    }
}
