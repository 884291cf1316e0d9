using System.Text;
using System.Threading.Channels;
using EscRotators.Runtime;

namespace EscRotators.UnitTests.Runtime;

/// <summary>The invocation loop against an in-memory Runtime API: no socket, no HTTP.</summary>
public sealed class LambdaLoopTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Each_reply_goes_to_its_request_and_a_handler_exception_to_that_requests_error()
    {
        var api = new InMemoryRuntimeApi();
        using var stopping = new CancellationTokenSource();
        var loop = new LambdaBootstrap(
            api,
            (payload, context, _) => Encoding.UTF8.GetString(payload.Span) == "boom"
                ? throw new InvalidOperationException("handler bug")
                : Task.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes("echo:" + context.AwsRequestId)),
            new LambdaBootstrapOptions()).RunAsync(stopping.Token);

        api.Enqueue("first", "ok");
        api.Enqueue("second", "boom");
        api.Enqueue("third", "ok");
        var posts = new[] { await api.NextPostAsync(), await api.NextPostAsync(), await api.NextPostAsync() };
        await stopping.CancelAsync();
        await loop.WaitAsync(WaitLimit);

        Assert.That(posts, Is.EqualTo(new[]
        {
            ("response", "first", "echo:first"),
            ("error", "second", nameof(InvalidOperationException)),
            ("response", "third", "echo:third"),
        }));
    }

    private sealed class InMemoryRuntimeApi : IRuntimeApiClient
    {
        private readonly Channel<InvocationRequest> _next = Channel.CreateUnbounded<InvocationRequest>();
        private readonly Channel<(string Kind, string RequestId, string Body)> _posts = Channel.CreateUnbounded<(string, string, string)>();

        public void Enqueue(string requestId, string payload) =>
            _next.Writer.TryWrite(new InvocationRequest(Encoding.UTF8.GetBytes(payload), new LambdaContext(requestId, DateTimeOffset.UtcNow.AddMinutes(1), null)));

        public async Task<(string Kind, string RequestId, string Body)> NextPostAsync() =>
            await _posts.Reader.ReadAsync().AsTask().WaitAsync(WaitLimit);

        public async Task<InvocationRequest> GetNextInvocationAsync(CancellationToken cancellationToken) =>
            await _next.Reader.ReadAsync(cancellationToken);

        public Task SendResponseAsync(string requestId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
            _posts.Writer.WriteAsync(("response", requestId, Encoding.UTF8.GetString(body.Span)), cancellationToken).AsTask();

        public Task ReportInvocationErrorAsync(string requestId, Exception exception, CancellationToken cancellationToken) =>
            _posts.Writer.WriteAsync(("error", requestId, exception.GetType().Name), cancellationToken).AsTask();

        public Task ReportInitializationErrorAsync(Exception exception, CancellationToken cancellationToken) =>
            _posts.Writer.WriteAsync(("init-error", "", exception.GetType().Name), cancellationToken).AsTask();
    }
}
