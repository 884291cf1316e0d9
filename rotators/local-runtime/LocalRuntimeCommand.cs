using System.Text;
using System.Text.Json;

namespace EscRotators.LocalRuntime;

/// <summary>
/// Runs the events of a <see cref="HostCommandLine"/> through one bootstrap process: replies on stdout, the
/// bootstrap's logs on stderr, an optional JSON report of the timings.
/// </summary>
public sealed class LocalRuntimeCommand
{
    public const int AllOk = 0;
    public const int SomeReplyNotOk = 1;
    public const int UsageOrHostError = 2;

    private readonly HostCommandLine _commandLine;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly Lock _stderrGate = new();
    private bool _unreadableEvent;

    public LocalRuntimeCommand(HostCommandLine commandLine, TextWriter stdout, TextWriter stderr)
    {
        _commandLine = commandLine;
        _stdout = stdout;
        _stderr = stderr;
    }

    public async Task<int> RunAsync(TextReader stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdin);

        // Events are taken one at a time, so that a caller writing JSON lines can prepare each event's world (a
        // rotation Secrets Manager starts, say) after the previous reply; the process starts with the first event.
        await using var events = ReadEventsAsync(stdin, cancellationToken).GetAsyncEnumerator(cancellationToken);
        byte[]? payload;
        try
        {
            payload = await events.MoveNextAsync().ConfigureAwait(false) ? events.Current : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await _stderr.WriteLineAsync($"local-runtime: cannot read the events: {ex.Message}").ConfigureAwait(false);
            return UsageOrHostError;
        }

        if (payload is null)
        {
            await _stderr.WriteLineAsync("local-runtime: no events given (files, or JSON lines on stdin)").ConfigureAwait(false);
            return UsageOrHostError;
        }

        LambdaProcess lambda;
        try
        {
            lambda = LambdaProcess.Start(new LambdaProcessOptions
            {
                BootstrapPath = _commandLine.BootstrapPath,
                Environment = _commandLine.Environment,
                InvocationTimeout = _commandLine.Timeout,
                OnLogLine = ForwardLog,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or System.ComponentModel.Win32Exception)
        {
            await _stderr.WriteLineAsync($"local-runtime: cannot start {_commandLine.BootstrapPath}: {ex.Message}").ConfigureAwait(false);
            return UsageOrHostError;
        }

        var results = new List<LambdaInvocationResult>();
        var allOk = true;
        TimeSpan? lastReply = null;
        await using (lambda.ConfigureAwait(false))
        {
            for (; payload is not null; payload = await NextEventAsync(events).ConfigureAwait(false))
            {
                if (lambda.HasExited)
                {
                    // Lambda would start a fresh environment; this host reports the rest as not sent.
                    await WriteReplyLineAsync("ERROR Skipped {\"errorMessage\":\"not sent: the runtime process had exited\"}").ConfigureAwait(false);
                    allOk = false;
                    continue;
                }

                var result = await lambda.InvokeAsync(payload, cancellationToken).ConfigureAwait(false);
                lastReply = result.Duration is null ? lastReply : lambda.SinceSpawn;
                results.Add(result);
                allOk &= IsOk(result);
                await WriteReplyLineAsync(ReplyLine(result)).ConfigureAwait(false);
            }

            allOk &= !_unreadableEvent;
            await lambda.StopAsync().ConfigureAwait(false);
        }

        if (_commandLine.ReportPath is { } reportPath)
        {
            await File.WriteAllBytesAsync(reportPath, Report(lambda, lastReply, results), cancellationToken).ConfigureAwait(false);
        }

        return allOk ? AllOk : SomeReplyNotOk;
    }

    /// <summary>The reply's <c>code</c>, when the body is a JSON object that has one.</summary>
    public static int? ReplyCode(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code)
                && code.TryGetInt32(out var value)
                    ? value
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private bool IsOk(LambdaInvocationResult result) =>
        result.Outcome == LambdaInvocationOutcome.Response && result.ArrivedBeforeDeadline
        && (_commandLine.Success == SuccessCriterion.AnyResponse || ReplyCode(result.Body) == 200);

    private static string ReplyLine(LambdaInvocationResult result)
    {
        // JSON only has line breaks between tokens, so replacing them keeps a JSON body intact on one line.
        var body = result.BodyText.Replace('\r', ' ').Replace('\n', ' ');
        return result.Outcome switch
        {
            LambdaInvocationOutcome.Response when result.ArrivedBeforeDeadline => body,

            // A reply after the deadline is one Lambda discards: the caller sees a timeout.
            LambdaInvocationOutcome.Response => $"ERROR Sandbox.Timedout {{\"errorMessage\":\"the reply came after the deadline\",\"lateReply\":{body}}}",
            _ => $"ERROR {result.ErrorType ?? result.Outcome.ToString()} {body}",
        };
    }

    private static byte[] Report(LambdaProcess lambda, TimeSpan? lastReply, List<LambdaInvocationResult> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("processId", lambda.ProcessId);
            WriteMilliseconds(json, "initMs", lambda.InitDuration);
            WriteMilliseconds(json, "coldStartMs", lambda.ColdStart);
            WriteMilliseconds(json, "lastReplyMs", lastReply);
            if (lambda.PeakRssKilobytes is { } peak)
            {
                json.WriteNumber("peakRssKb", peak);
            }
            else
            {
                json.WriteNull("peakRssKb");
            }

            json.WriteStartArray("invocations");
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("requestId", result.RequestId);
                json.WriteString("outcome", result.Outcome.ToString());
                if (ReplyCode(result.Body) is { } code && result.Outcome == LambdaInvocationOutcome.Response)
                {
                    json.WriteNumber("code", code);
                }

                WriteMilliseconds(json, "ms", result.Duration);
                json.WriteBoolean("beforeDeadline", result.ArrivedBeforeDeadline);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteMilliseconds(Utf8JsonWriter json, string name, TimeSpan? value)
    {
        if (value is { } time)
        {
            json.WriteNumber(name, Math.Round(time.TotalMilliseconds, 2));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private async IAsyncEnumerable<byte[]> ReadEventsAsync(TextReader stdin, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = _commandLine.EventFiles.Count > 0 ? _commandLine.EventFiles : ["-"];
        foreach (var file in files)
        {
            if (file != "-")
            {
                yield return await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // JSON lines: one event per non-blank line, each handed on as soon as it is read.
            while (await stdin.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    yield return Encoding.UTF8.GetBytes(line);
                }
            }
        }
    }

    /// <summary>The next event, or null at the end; an event that cannot be read ends the run as a failure.</summary>
    private async Task<byte[]?> NextEventAsync(IAsyncEnumerator<byte[]> events)
    {
        try
        {
            return await events.MoveNextAsync().ConfigureAwait(false) ? events.Current : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await _stderr.WriteLineAsync($"local-runtime: cannot read the next event: {ex.Message}").ConfigureAwait(false);
            _unreadableEvent = true;
            return null;
        }
    }

    private async Task WriteReplyLineAsync(string line)
    {
        await _stdout.WriteLineAsync(line).ConfigureAwait(false);
        await _stdout.FlushAsync().ConfigureAwait(false);
    }

    private void ForwardLog(BootstrapLogLine line)
    {
        lock (_stderrGate)
        {
            _stderr.WriteLine(line.Text);
            _stderr.Flush();
        }
    }
}
