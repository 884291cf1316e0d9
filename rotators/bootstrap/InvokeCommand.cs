using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.SecretsManager.Rotation;

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
            Report(sink, standardError, $"cannot read the event: {ex.Message}");
            return 2;
        }

        RotatorHost host;
        try
        {
            host = RotatorComposition.CreateHostFromEnvironment(logger);
        }
        catch (InvalidConfigurationException ex)
        {
            Report(sink, standardError, ex.Message);
            return 2;
        }

        var requestId = "local-" + Guid.NewGuid().ToString("N")[..12];

        // As in Lambda, the work stops a little before the deadline so the reply itself is on time.
        var budget = InvocationBudget.StartingNow(_timeout, TimeProvider.System);
        using var replyDue = budget.CancelWhenReplyIsDue();
        using var document = PayloadJson.TryParse(payload);
        SecretsManagerEvent? rotation;
        try
        {
            // invoke serves no HTTP: a Function URL request goes to the dispatcher, which refuses it.
            rotation = document is not null && PayloadJson.KindOf(document.RootElement) == PayloadKind.SecretsManagerStep
                ? SecretsManagerEvent.TryRead(document.RootElement)
                : null;
        }
        catch (RotationStepException ex)
        {
            Report(sink, standardError, ex.Message);
            return 1;
        }

        if (rotation is not null)
        {
            return await RunStepAsync(host, rotation, requestId, budget, replyDue.Token, sink, standardOutput, standardError).ConfigureAwait(false);
        }

        RotationReply reply;
        try
        {
            reply = document is null
                ? await host.Dispatcher.RotateAsync(payload, requestId, budget, replyDue.Token).ConfigureAwait(false)
                : await host.Dispatcher.RotateAsync(document.RootElement, requestId, budget, replyDue.Token).ConfigureAwait(false);
        }
        catch (UnexpectedRotatorException ex)
        {
            // A bug, already logged with its stack trace by the dispatcher. Its message is fixed and safe.
            Report(sink, standardError, ex.Message);
            return 3;
        }

        var json = ReplySerializer.Serialize(reply);
        await standardOutput.WriteAsync(json).ConfigureAwait(false);
        standardOutput.WriteByte((byte)'\n');
        await standardOutput.FlushAsync().ConfigureAwait(false);
        return reply.IsSuccess ? 0 : 1;
    }

    // A Secrets Manager step: "null" on stdout as Lambda would return it, or the step's error on stderr.
    private static async Task<int> RunStepAsync(
        RotatorHost host,
        SecretsManagerEvent rotation,
        string requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken,
        LogSink sink,
        Stream standardOutput,
        TextWriter standardError)
    {
        ReadOnlyMemory<byte> json;
        try
        {
            json = await host.SecretsManager.HandleToJsonAsync(rotation, requestId, budget, cancellationToken).ConfigureAwait(false);
        }
        catch (RotationStepException ex)
        {
            Report(sink, standardError, ex.Message);
            return 1;
        }
        catch (UnexpectedRotatorException ex)
        {
            Report(sink, standardError, ex.Message);
            return 3;
        }

        await standardOutput.WriteAsync(json).ConfigureAwait(false);
        standardOutput.WriteByte((byte)'\n');
        await standardOutput.FlushAsync().ConfigureAwait(false);
        return 0;
    }

    // In JSON log mode every line on stderr is a JSON log line, so a log shipper never meets plain text.
    private static void Report(LogSink sink, TextWriter standardError, string message)
    {
        if (sink.Format == LogFormat.Json)
        {
            sink.Write(LogLevel.Fatal, null, "bootstrap invoke: " + message, []);
        }
        else
        {
            standardError.WriteLine($"bootstrap invoke: {message}");
        }
    }

    // Raw bytes, as Lambda delivers them: invalid UTF-8 must reach the parser (and become a 400), not be repaired.
    private static async Task<byte[]> ReadAllAsync(Stream input)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
