using System.Threading.Channels;

namespace EscRotators.UnitTests.Runtime;

/// <summary>
/// A loopback HTTP/1.1 server that answers requests, in order, with exactly the bytes scripted for them, whatever
/// the connection: for framings and failures the Local Runtime API never produces (chunked bodies, closed
/// connections, malformed or endless responses).
/// </summary>
internal sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly Channel<ScriptedReply> _replies = Channel.CreateUnbounded<ScriptedReply>();
    private readonly Channel<LocalHttpRequest> _requests = Channel.CreateUnbounded<LocalHttpRequest>();
    private readonly LoopbackHttpListener _listener;

    private ScriptedHttpServer(IEnumerable<ScriptedReply> replies)
    {
        foreach (var reply in replies)
        {
            _replies.Writer.TryWrite(reply);
        }

        _listener = LoopbackHttpListener.Start(0, AnswerAsync);
    }

    public string Address => $"127.0.0.1:{_listener.Port}";

    public int ConnectionsAccepted => _listener.ConnectionsAccepted;

    public static ScriptedHttpServer Start(params ScriptedReply[] replies) => new(replies);

    /// <summary>The next request received, in arrival order.</summary>
    public async Task<LocalHttpRequest> WaitForRequestAsync() =>
        await _requests.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task<bool> AnswerAsync(LocalHttpRequest request, Stream stream, CancellationToken cancellationToken)
    {
        _requests.Writer.TryWrite(request);
        var reply = await _replies.Reader.ReadAsync(cancellationToken);
        if (ReferenceEquals(reply, ScriptedReply.Silence))
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        await stream.WriteAsync(reply.Bytes, cancellationToken);
        return !reply.CloseAfter;
    }
}
