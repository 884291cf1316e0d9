using System.Net;
using System.Text;
using System.Text.Json;
using EscRotators.Runtime;
using NUnit.Framework;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class RuntimeApiClientTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private LocalRuntimeApi _api = null!;
    private ManualTimeProvider _time = null!;
    private RuntimeApiClient _client = null!;

    [SetUp]
    public void SetUp()
    {
        _api = LocalRuntimeApi.Start();
        _time = new ManualTimeProvider(Now);
        _client = new RuntimeApiClient(_api.Address, time: _time);
    }

    [TearDown]
    public async Task TearDown()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    [Test]
    public void Next_request_has_no_timeout()
    {
        Assert.That(_client.RequestTimeout, Is.EqualTo(Timeout.InfiniteTimeSpan));
    }

    [Test]
    public async Task Next_waits_until_an_event_is_queued()
    {
        Task<InvocationRequest> next = _client.GetNextInvocationAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.That(next.IsCompleted, Is.False);

        _api.Enqueue(new QueuedInvocation("late", "{}"u8.ToArray()));
        InvocationRequest invocation = await next.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(invocation.Context.AwsRequestId, Is.EqualTo("late"));
    }

    [Test]
    public async Task Next_returns_event_payload_bytes()
    {
        byte[] payload = Encoding.UTF8.GetBytes("{\"Step\":\"createSecret\",\"Token\":\"t-1\"}");
        _api.Enqueue(new QueuedInvocation("req-1", payload));

        InvocationRequest invocation = await _client.GetNextInvocationAsync(CancellationToken.None);

        Assert.That(invocation.Payload.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public async Task Context_exposes_request_id_arn_trace_and_deadline()
    {
        DateTimeOffset deadline = Now.AddSeconds(30);
        _api.Enqueue(new QueuedInvocation("req-ctx", []) {
            Deadline = deadline,
            InvokedFunctionArn = "arn:aws:lambda:eu-west-1:123456789012:function:rotator:live",
            TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            ClientContext = "{\"client\":{}}",
            CognitoIdentity = "{\"cognitoIdentityId\":\"id\"}",
        });

        LambdaContext context = (await _client.GetNextInvocationAsync(CancellationToken.None)).Context;

        Assert.Multiple(() =>
        {
            Assert.That(context.AwsRequestId, Is.EqualTo("req-ctx"));
            Assert.That(context.InvokedFunctionArn, Is.EqualTo("arn:aws:lambda:eu-west-1:123456789012:function:rotator:live"));
            Assert.That(context.TraceId, Is.EqualTo("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"));
            Assert.That(context.ClientContext, Is.EqualTo("{\"client\":{}}"));
            Assert.That(context.CognitoIdentity, Is.EqualTo("{\"cognitoIdentityId\":\"id\"}"));
            Assert.That(context.Deadline, Is.EqualTo(deadline));
            Assert.That(context.RemainingTime, Is.EqualTo(TimeSpan.FromSeconds(30)));
        });
    }

    [Test]
    public async Task Context_without_optional_headers_has_nulls_and_no_deadline()
    {
        _api.Enqueue(new QueuedInvocation("bare", []));

        LambdaContext context = (await _client.GetNextInvocationAsync(CancellationToken.None)).Context;

        Assert.Multiple(() =>
        {
            Assert.That(context.InvokedFunctionArn, Is.Null);
            Assert.That(context.TraceId, Is.Null);
            Assert.That(context.ClientContext, Is.Null);
            Assert.That(context.CognitoIdentity, Is.Null);
            Assert.That(context.Deadline, Is.EqualTo(DateTimeOffset.MaxValue));
        });
    }

    [Test]
    public void Next_error_status_throws_RuntimeApiException()
    {
        _api.FailNextRequestsWith(HttpStatusCode.InternalServerError);

        RuntimeApiException? thrown = Assert.ThrowsAsync<RuntimeApiException>(
            () => _client.GetNextInvocationAsync(CancellationToken.None));

        Assert.That(thrown!.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
        Assert.That(thrown.Message, Does.Contain("/next").And.Contain("500"));
    }

    [Test]
    public async Task Response_is_posted_to_response_endpoint_with_user_agent()
    {
        await _client.SendResponseAsync("req/with space", "{\"ok\":true}"u8.ToArray(), CancellationToken.None);

        RecordedPost post = await _api.WaitForPostAsync();
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

        RuntimeApiException? thrown = Assert.ThrowsAsync<RuntimeApiException>(
            () => _client.SendResponseAsync("too-big", new byte[16], CancellationToken.None));

        Assert.That(thrown!.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task Error_body_has_errorMessage_errorType_stackTrace_and_error_type_header()
    {
        Exception failure = CaptureThrown(() => throw new InvalidOperationException("secret version not found"));

        await _client.ReportInvocationErrorAsync("req-err", failure, CancellationToken.None);

        RecordedPost post = await _api.WaitForPostAsync();
        using JsonDocument body = JsonDocument.Parse(post.Body);
        JsonElement root = body.RootElement;
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

        RecordedPost post = await _api.WaitForPostAsync();
        using JsonDocument body = JsonDocument.Parse(post.Body);
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

        RecordedPost post = await _api.WaitForPostAsync();
        using JsonDocument body = JsonDocument.Parse(post.Body);
        Assert.Multiple(() =>
        {
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.InitializationError));
            Assert.That(post.Header("Lambda-Runtime-Function-Error-Type"), Is.EqualTo("Runtime.InitError"));
            Assert.That(body.RootElement.GetProperty("errorMessage").GetString(), Is.EqualTo("no config"));
        });
    }

    [Test]
    public void Unreachable_runtime_api_fails_with_HttpRequestException()
    {
        using var client = new RuntimeApiClient($"127.0.0.1:{LocalRuntimeApi.FindFreePort()}");

        Assert.ThrowsAsync<HttpRequestException>(() => client.GetNextInvocationAsync(CancellationToken.None));
    }

    [Test]
    public void FromEnvironment_without_variable_explains_what_is_missing()
    {
        string? saved = Environment.GetEnvironmentVariable(RuntimeApiClient.AddressEnvironmentVariable);
        Environment.SetEnvironmentVariable(RuntimeApiClient.AddressEnvironmentVariable, null);
        try
        {
            InvalidOperationException? thrown = Assert.Throws<InvalidOperationException>(() => RuntimeApiClient.FromEnvironment());
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
