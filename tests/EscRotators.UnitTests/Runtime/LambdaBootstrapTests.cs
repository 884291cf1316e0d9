using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using EscRotators.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class LambdaBootstrapTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentQueue<(string Message, Exception? Exception)> _loopErrors = new();
    private LocalRuntimeApi _api = null!;
    private RuntimeApiClient _client = null!;
    private CancellationTokenSource _stopping = null!;

    [SetUp]
    public void SetUp()
    {
        _loopErrors.Clear();
        _api = LocalRuntimeApi.Start();
        _client = new RuntimeApiClient(_api.Address);
        _stopping = new CancellationTokenSource();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _stopping.CancelAsync();
        _stopping.Dispose();
        _client.Dispose();
        await _api.DisposeAsync();
        Environment.SetEnvironmentVariable(LambdaBootstrap.TraceIdEnvironmentVariable, null);
    }

    [Test]
    public async Task Loop_posts_handler_reply_to_response_endpoint()
    {
        var loop = StartLoop(static (payload, _, _) =>
            Task.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes("echo:" + Encoding.UTF8.GetString(payload.Span))));
        _api.Enqueue(new QueuedInvocation("req-1", "hello"u8.ToArray()));

        var post = await _api.WaitForPostAsync();

        Assert.Multiple(() =>
        {
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.Response));
            Assert.That(post.RequestId, Is.EqualTo("req-1"));
            Assert.That(post.BodyText, Is.EqualTo("echo:hello"));
        });
        await StopAsync(loop);
    }

    [Test]
    public async Task Loop_handles_events_one_after_another()
    {
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload));
        string[] ids = ["a", "b", "c"];
        foreach (var id in ids)
        {
            _api.Enqueue(new QueuedInvocation(id, Encoding.UTF8.GetBytes(id)));
        }

        var answered = new List<string?>();
        for (var i = 0; i < ids.Length; i++)
        {
            answered.Add((await _api.WaitForPostAsync()).RequestId);
        }

        Assert.That(answered, Is.EqualTo(ids));
        await StopAsync(loop);
    }

    [Test]
    public async Task Handler_exception_is_reported_as_function_error_and_loop_continues()
    {
        var loop = StartLoop(static (payload, context, _) => context.AwsRequestId == "bad"
            ? throw new InvalidOperationException("handler bug")
            : Task.FromResult(payload));
        _api.Enqueue(new QueuedInvocation("bad", "x"u8.ToArray()));
        _api.Enqueue(new QueuedInvocation("good", "y"u8.ToArray()));

        var first = await _api.WaitForPostAsync();
        var second = await _api.WaitForPostAsync();

        using var error = JsonDocument.Parse(first.Body);
        Assert.Multiple(() =>
        {
            Assert.That(first.Kind, Is.EqualTo(RuntimeApiPostKind.InvocationError));
            Assert.That(first.RequestId, Is.EqualTo("bad"));
            Assert.That(first.Header("Lambda-Runtime-Function-Error-Type"), Is.EqualTo("Function.UnhandledException"));
            Assert.That(error.RootElement.GetProperty("errorType").GetString(), Is.EqualTo("InvalidOperationException"));
            Assert.That(error.RootElement.GetProperty("errorMessage").GetString(), Is.EqualTo("handler bug"));
            Assert.That(second.Kind, Is.EqualTo(RuntimeApiPostKind.Response));
            Assert.That(second.RequestId, Is.EqualTo("good"));
            Assert.That(_loopErrors.Select(e => e.Exception), Has.One.InstanceOf<InvalidOperationException>());
        });
        await StopAsync(loop);
    }

    [Test]
    public async Task Faulted_handler_task_is_reported_like_a_synchronous_throw()
    {
        var loop = StartLoop(static async (_, _, _) =>
        {
            await Task.Yield();
            throw new FormatException("async bug");
        });
        _api.Enqueue(new QueuedInvocation("req-async", []));

        var post = await _api.WaitForPostAsync();

        using var error = JsonDocument.Parse(post.Body);
        Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.InvocationError));
        Assert.That(error.RootElement.GetProperty("errorType").GetString(), Is.EqualTo("FormatException"));
        await StopAsync(loop);
    }

    [Test]
    public async Task Response_post_failure_is_reported_and_loop_continues()
    {
        _api.FailResponseFor("rejected", HttpStatusCode.RequestEntityTooLarge);
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload));
        _api.Enqueue(new QueuedInvocation("rejected", "big"u8.ToArray()));
        _api.Enqueue(new QueuedInvocation("accepted", "small"u8.ToArray()));

        var first = await _api.WaitForPostAsync();
        var second = await _api.WaitForPostAsync();

        Assert.Multiple(() =>
        {
            Assert.That(first.RequestId, Is.EqualTo("rejected"));
            Assert.That(second.RequestId, Is.EqualTo("accepted"));
            Assert.That(second.Kind, Is.EqualTo(RuntimeApiPostKind.Response));
            Assert.That(_loopErrors, Has.One.Matches<(string Message, Exception? Exception)>(
                e => e.Message.Contains("rejected", StringComparison.Ordinal)
                    && e.Exception is RuntimeApiException { StatusCode: HttpStatusCode.RequestEntityTooLarge }));
        });
        await StopAsync(loop);
    }

    [Test]
    public async Task Trace_id_environment_variable_is_set_per_invocation()
    {
        var seen = new ConcurrentQueue<string?>();
        var loop = StartLoop((payload, _, _) =>
        {
            seen.Enqueue(Environment.GetEnvironmentVariable(LambdaBootstrap.TraceIdEnvironmentVariable));
            return Task.FromResult(payload);
        });
        _api.Enqueue(new QueuedInvocation("traced", []) { TraceId = "Root=1-67891233-abcdef012345678912345678" });
        _api.Enqueue(new QueuedInvocation("untraced", []));

        await _api.WaitForPostAsync();
        await _api.WaitForPostAsync();

        Assert.That(seen, Is.EqualTo(new[] { "Root=1-67891233-abcdef012345678912345678", null }));
        await StopAsync(loop);
    }

    [Test]
    public async Task Handler_receives_context_of_its_invocation()
    {
        var contexts = new ConcurrentQueue<LambdaContext>();
        var loop = StartLoop((payload, context, _) =>
        {
            contexts.Enqueue(context);
            return Task.FromResult(payload);
        });
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5);
        _api.Enqueue(new QueuedInvocation("req-ctx", []) { Deadline = deadline, TraceId = "Root=1-67891233-abcdef012345678912345678" });

        await _api.WaitForPostAsync();

        var context = contexts.Single();
        Assert.Multiple(() =>
        {
            Assert.That(context.AwsRequestId, Is.EqualTo("req-ctx"));
            Assert.That(context.TraceId, Is.EqualTo("Root=1-67891233-abcdef012345678912345678"));
            Assert.That(context.Deadline, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(deadline.ToUnixTimeMilliseconds())));
        });
        await StopAsync(loop);
    }

    [Test]
    public async Task Handler_token_fires_when_the_host_stops_not_at_the_deadline()
    {
        // The deadline is the handler's to keep (InvocationBudget); the loop only relays the host stopping.
        var time = new FakeTimeProvider(Start);
        var handlerStarted = new TaskCompletionSource<(CancellationToken Token, LambdaContext Context)>(
            TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new LambdaBootstrapOptions
        {
            TimeProvider = time,
            OnLoopError = (message, exception) => _loopErrors.Enqueue((message, exception)),
        };
        var bootstrap = new LambdaBootstrap(_client, async (payload, context, token) =>
        {
            handlerStarted.TrySetResult((token, context));
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return payload;
        }, options);
        var loop = bootstrap.RunAsync(_stopping.Token);
        _api.Enqueue(new QueuedInvocation("slow", []) { Deadline = Start.AddSeconds(10) });

        var (token, context) = await handlerStarted.Task.WaitAsync(WaitLimit);

        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Multiple(() =>
        {
            Assert.That(token.IsCancellationRequested, Is.False, "the loop cancelled the handler at the deadline");
            Assert.That(context.Deadline, Is.EqualTo(Start.AddSeconds(10)), "the handler knows the deadline");
        });

        _stopping.Cancel();
        Assert.That(token.IsCancellationRequested, Is.True, "stopping the host did not reach the handler");
        await StopAsync(loop);
    }

    [Test]
    public async Task Stopping_token_cancels_the_handler_token()
    {
        var handlerToken = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = StartLoop(async (payload, _, token) =>
        {
            handlerToken.TrySetResult(token);
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return payload;
        });
        _api.Enqueue(new QueuedInvocation("long", []) { Deadline = DateTimeOffset.UtcNow.AddMinutes(10) });
        var token = await handlerToken.Task.WaitAsync(WaitLimit);

        await _stopping.CancelAsync();

        Assert.That(token.IsCancellationRequested, Is.True);
        await loop.WaitAsync(WaitLimit);
        Assert.That(_api.HasUnreadPost, Is.False, "a stopping runtime must not report its own shutdown as a function error");
    }

    [Test]
    public async Task Stopping_token_ends_the_loop_while_waiting_for_next()
    {
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload));
        await _api.WaitForNextRequestAsync();

        await _stopping.CancelAsync();

        Assert.That(async () => await loop.WaitAsync(WaitLimit), Throws.Nothing);
    }

    [Test]
    public async Task Transient_next_failure_is_retried()
    {
        _api.BreakNextRequests(2);
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload), FastBackoff(maxAttempts: 5));
        _api.Enqueue(new QueuedInvocation("after-failures", "ok"u8.ToArray()));

        var post = await _api.WaitForPostAsync();

        Assert.Multiple(() =>
        {
            Assert.That(post.RequestId, Is.EqualTo("after-failures"));
            Assert.That(_api.NextRequestCount, Is.GreaterThanOrEqualTo(3));
            Assert.That(_loopErrors.Select(e => e.Exception), Has.Exactly(2).InstanceOf<IOException>());
        });
        await StopAsync(loop);
    }

    [Test]
    public async Task Next_is_retried_until_the_runtime_api_starts_listening()
    {
        var port = LocalRuntimeApi.FindFreePort();
        using var client = new RuntimeApiClient($"127.0.0.1:{port}");
        var bootstrap = new LambdaBootstrap(client, static (payload, _, _) => Task.FromResult(payload), new LambdaBootstrapOptions
        {
            OnLoopError = (message, exception) => _loopErrors.Enqueue((message, exception)),
        });
        var loop = bootstrap.RunAsync(_stopping.Token);
        await WaitUntilAsync(() => !_loopErrors.IsEmpty);

        await using var lateApi = LocalRuntimeApi.Start(port);
        lateApi.Enqueue(new QueuedInvocation("late-start", "ok"u8.ToArray()));

        var post = await lateApi.WaitForPostAsync();
        Assert.That(post.RequestId, Is.EqualTo("late-start"));
        await StopAsync(loop);
    }

    [Test]
    public async Task Next_failures_beyond_the_retry_limit_end_the_loop()
    {
        _api.BreakNextRequests(int.MaxValue);
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload), FastBackoff(maxAttempts: 3));

        Assert.That(async () => await loop.WaitAsync(WaitLimit), Throws.InstanceOf<IOException>());
        Assert.That(_api.NextRequestCount, Is.EqualTo(3));
        Assert.That(_loopErrors, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Next_error_status_is_not_retried_and_ends_the_loop()
    {
        _api.FailNextRequestsWith(HttpStatusCode.InternalServerError);
        var loop = StartLoop(static (payload, _, _) => Task.FromResult(payload));

        Assert.That(async () => await loop.WaitAsync(WaitLimit), Throws.InstanceOf<RuntimeApiException>());
        Assert.That(_api.NextRequestCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Init_failure_is_posted_to_init_error()
    {
        var exitCode = await LambdaBootstrap.InitializeAndRunAsync(
            _client,
            static _ => throw new InvalidOperationException("SECRET_ARN is not set"),
            Options(),
            _stopping.Token).WaitAsync(WaitLimit);

        var post = await _api.WaitForPostAsync();
        using var error = JsonDocument.Parse(post.Body);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(LambdaBootstrap.InitializationFailedExitCode).And.Not.Zero);
            Assert.That(post.Kind, Is.EqualTo(RuntimeApiPostKind.InitializationError));
            Assert.That(post.Header("Lambda-Runtime-Function-Error-Type"), Does.StartWith("Runtime."));
            Assert.That(error.RootElement.GetProperty("errorMessage").GetString(), Is.EqualTo("SECRET_ARN is not set"));
            Assert.That(error.RootElement.GetProperty("errorType").GetString(), Is.EqualTo("InvalidOperationException"));
            Assert.That(_api.NextRequestCount, Is.Zero, "no event may be fetched after a failed init");
        });
    }

    [Test]
    public async Task Init_failure_still_exits_non_zero_when_the_report_cannot_be_posted()
    {
        using var unreachable = new RuntimeApiClient($"127.0.0.1:{LocalRuntimeApi.FindFreePort()}");

        var exitCode = await LambdaBootstrap.InitializeAndRunAsync(
            unreachable,
            static _ => Task.FromException<LambdaHandler>(new InvalidOperationException("init")),
            Options(),
            _stopping.Token).WaitAsync(WaitLimit);

        Assert.That(exitCode, Is.EqualTo(LambdaBootstrap.InitializationFailedExitCode));
        Assert.That(_loopErrors.Select(e => e.Exception), Has.Some.InstanceOf<IOException>());
    }

    [Test]
    public async Task Successful_init_runs_the_loop_and_exits_zero_when_stopped()
    {
        var run = LambdaBootstrap.InitializeAndRunAsync(
            _client,
            static _ => Task.FromResult<LambdaHandler>(static (payload, _, _) => Task.FromResult(payload)),
            Options(),
            _stopping.Token);
        _api.Enqueue(new QueuedInvocation("req-1", "ping"u8.ToArray()));

        var post = await _api.WaitForPostAsync();
        await _stopping.CancelAsync();

        Assert.That(post.BodyText, Is.EqualTo("ping"));
        Assert.That(await run.WaitAsync(WaitLimit), Is.Zero);
    }

    [Test]
    public async Task Runtime_api_failure_after_init_exits_with_its_own_code()
    {
        _api.FailNextRequestsWith(HttpStatusCode.InternalServerError);

        var exitCode = await LambdaBootstrap.InitializeAndRunAsync(
            _client,
            static _ => Task.FromResult<LambdaHandler>(static (payload, _, _) => Task.FromResult(payload)),
            Options(),
            _stopping.Token).WaitAsync(WaitLimit);

        Assert.That(exitCode, Is.EqualTo(LambdaBootstrap.RuntimeApiFailedExitCode));
    }

    private static NextInvocationBackoff FastBackoff(int maxAttempts) =>
        new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), maxAttempts);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(WaitLimit);
        while (!condition())
        {
            await Task.Delay(10, limit.Token);
        }
    }

    private LambdaBootstrapOptions Options(NextInvocationBackoff? backoff = null) => new()
    {
        OnLoopError = (message, exception) => _loopErrors.Enqueue((message, exception)),
        NextInvocationBackoff = backoff ?? NextInvocationBackoff.Default,
    };

    private Task StartLoop(LambdaHandler handler, NextInvocationBackoff? backoff = null) =>
        new LambdaBootstrap(_client, handler, Options(backoff)).RunAsync(_stopping.Token);

    private async Task StopAsync(Task loop)
    {
        await _stopping.CancelAsync();
        await loop.WaitAsync(WaitLimit);
    }
}
