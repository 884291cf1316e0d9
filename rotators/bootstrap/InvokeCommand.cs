using EscRotators.Configuration;
using EscRotators.Logging;

namespace EscRotators.Bootstrap;

/// <summary>
/// <c>bootstrap invoke [--event FILE] [--timeout SECONDS]</c>: one event from a file or stdin, the reply JSON on
/// stdout, logs on stderr; exit 0 for code 200 and 1 otherwise. The same dispatcher as the Lambda loop.
/// </summary>
internal sealed class InvokeCommand
{
    public const int DefaultTimeoutSeconds = 30;

    private readonly string? _eventPath;
    private readonly TimeSpan _timeout;

    public InvokeCommand(string? eventPath, TimeSpan timeout)
    {
        _eventPath = eventPath;
        _timeout = timeout;
    }

    public async Task<int> RunAsync(Stream standardInput, Stream standardOutput, TextWriter standardError)
    {
        var sink = LogSink.FromEnvironment(standardError);
        var logger = new RotatorLogger(sink);
        byte[] payload;
        try
        {
            payload = _eventPath is null or "-"
                ? await ReadAllAsync(standardInput).ConfigureAwait(false)
                : await File.ReadAllBytesAsync(_eventPath).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await standardError.WriteLineAsync($"bootstrap invoke: cannot read the event: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        Dispatch.RotationDispatcher dispatcher;
        try
        {
            dispatcher = RotatorHost.CreateDispatcher(logger);
        }
        catch (InvalidConfigurationException ex)
        {
            await standardError.WriteLineAsync($"bootstrap invoke: {ex.Message}").ConfigureAwait(false);
            return 2;
        }

        var requestId = "local-" + Guid.NewGuid().ToString("N")[..12];
        var deadline = DateTimeOffset.UtcNow + _timeout;

        // As in Lambda, the work stops a little before the deadline so the reply itself is on time.
        var margin = TimeSpan.FromMilliseconds(Math.Min(250, _timeout.TotalMilliseconds / 10));
        using var timeout = new CancellationTokenSource(_timeout - margin);
        Protocol.RotationReply reply;
        try
        {
            reply = await dispatcher.DispatchAsync(payload, requestId, deadline, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A bug. Never let the runtime print the exception: its message could quote the event.
            logger.ForRequest(requestId).Error(
                "unexpected failure",
                LogField.Of("exception", ex.GetType().FullName),
                LogField.Of("stackTrace", ex.StackTrace));
            await standardError.WriteLineAsync($"bootstrap invoke: internal error ({ex.GetType().Name})").ConfigureAwait(false);
            return 3;
        }

        var json = Protocol.ReplySerializer.Serialize(reply);
        await standardOutput.WriteAsync(json).ConfigureAwait(false);
        standardOutput.WriteByte((byte)'\n');
        await standardOutput.FlushAsync().ConfigureAwait(false);
        return reply.IsSuccess ? 0 : 1;
    }

    // Raw bytes, as Lambda delivers them: invalid UTF-8 must reach the parser (and become a 400), not be repaired.
    private static async Task<byte[]> ReadAllAsync(Stream input)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
