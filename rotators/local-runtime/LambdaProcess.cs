using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text;

namespace EscRotators.LocalRuntime;

/// <summary>
/// One Lambda execution environment on this machine: a <see cref="LocalRuntimeApi"/> of its own and the bootstrap
/// executable running against it, in a clean Lambda-like environment. Invocations go one at a time, as Lambda sends
/// them; the host measures spawn → first response (cold start), each invocation, and the peak RSS, and stops the
/// process by its own PID.
/// </summary>
public sealed class LambdaProcess : IAsyncDisposable
{
    private const string DefaultPath = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";

    private static int _processStartWarmedUp;

    private readonly LambdaProcessOptions _options;
    private readonly LocalRuntimeApi _api;
    private readonly Process _process;
    private readonly long _spawnTimestamp;
    private readonly Task _exited;
    private readonly ConcurrentQueue<BootstrapLogLine> _log = new();
    private readonly string _functionArn;
    private long _firstResponseTimestamp;
    private int _stopped;

    private LambdaProcess(LambdaProcessOptions options, LocalRuntimeApi api, Process process, long spawnTimestamp)
    {
        _options = options;
        _api = api;
        _process = process;
        _spawnTimestamp = spawnTimestamp;
        _functionArn = $"arn:aws:lambda:us-east-1:000000000000:function:{options.FunctionName}";
        _exited = process.WaitForExitAsync();
        ProcessId = process.Id;
    }

    /// <summary>The bootstrap's PID; the only process this host ever stops.</summary>
    public int ProcessId { get; }

    public LocalRuntimeApi Api => _api;

    public bool HasExited => _exited.IsCompleted;

    /// <summary>The exit code once the process has ended (by itself or by <see cref="StopAsync"/>).</summary>
    public int? ExitCode => _exited.IsCompleted ? _process.ExitCode : null;

    /// <summary>Every line written so far, stdout and stderr interleaved in arrival order.</summary>
    public IReadOnlyList<BootstrapLogLine> LogLines => [.. _log];

    /// <summary>Time since the process was spawned.</summary>
    public TimeSpan SinceSpawn => Stopwatch.GetElapsedTime(_spawnTimestamp);

    /// <summary>Spawn → first POST /response: what a caller waits on a cold start. Null until a response arrived.</summary>
    public TimeSpan? ColdStart =>
        Interlocked.Read(ref _firstResponseTimestamp) is var first and not 0 ? Stopwatch.GetElapsedTime(_spawnTimestamp, first) : null;

    /// <summary>Spawn → first GET /next: the runtime's own initialisation. Null until it asked.</summary>
    public TimeSpan? InitDuration =>
        _api.FirstNextRequestTimestamp is { } first ? Stopwatch.GetElapsedTime(_spawnTimestamp, first) : null;

    /// <summary>VmHWM read just before the process was stopped; null until then, or when /proc could not tell.</summary>
    public long? PeakRssKilobytes { get; private set; }

    /// <summary>Starts a Runtime API on 127.0.0.1 and the bootstrap against it.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The executable could not be started.</exception>
    public static LambdaProcess Start(LambdaProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bootstrap = Path.GetFullPath(options.BootstrapPath);
        if (!File.Exists(bootstrap))
        {
            throw new FileNotFoundException($"bootstrap not found: {bootstrap}", bootstrap);
        }

        var api = LocalRuntimeApi.Start();
        var start = new ProcessStartInfo(bootstrap)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,

            // Lambda runs bootstrap from the task root (/var/task), where the function's files are.
            WorkingDirectory = Path.GetDirectoryName(bootstrap)!,
        };
        SetLambdaEnvironment(start.Environment, bootstrap, api.Address, options);

        WarmUpProcessStart();
        var process = new Process { StartInfo = start };
        var spawned = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            _ = api.DisposeAsync().AsTask();
            throw;
        }

        var lambda = new LambdaProcess(options, api, process, spawned);
        process.OutputDataReceived += (_, e) => lambda.OnLine(BootstrapLogStream.StandardOutput, e.Data);
        process.ErrorDataReceived += (_, e) => lambda.OnLine(BootstrapLogStream.StandardError, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Lambda gives a runtime no stdin.
        process.StandardInput.Close();
        return lambda;
    }

    /// <summary>
    /// Queues one event (a new request id, the function ARN, a trace id, the deadline from
    /// <see cref="LambdaProcessOptions.InvocationTimeout"/>) and waits for what the runtime does with it.
    /// Never throws for the runtime's failures: they are outcomes.
    /// </summary>
    public async Task<LambdaInvocationResult> InvokeAsync(byte[] payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var requestId = Guid.NewGuid().ToString();
        _api.Enqueue(new QueuedInvocation(requestId, payload)
        {
            Timeout = _options.InvocationTimeout,
            InvokedFunctionArn = _functionArn,
            TraceId = NewTraceId(),
        });

        // First the runtime must take the event: at once when warm, within the init timeout when cold.
        HandedOutInvocation? handOut = null;
        using (var initLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            initLimit.CancelAfter(_options.InitTimeout);
            var taken = _api.WaitForHandOutAsync(requestId, initLimit.Token);
            await Task.WhenAny(taken, _exited).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (taken.IsCompletedSuccessfully)
            {
                handOut = taken.Result;
            }
            else
            {
                await initLimit.CancelAsync().ConfigureAwait(false);
            }
        }

        if (handOut is null)
        {
            // Not taken: the runtime died during init (maybe after posting /init/error) or hung before /next.
            return TryTakeMatchingPost(requestId) is { } post
                ? ToResult(requestId, post)
                : NoReply(requestId, handOut, HasExited ? LambdaInvocationOutcome.ProcessExited : LambdaInvocationOutcome.TimedOut);
        }

        var waitUntil = (handOut.Deadline ?? DateTimeOffset.UtcNow + _options.InvocationTimeout) + _options.LateReplyGrace;
        using var replyLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        replyLimit.CancelAfter(Max(waitUntil - DateTimeOffset.UtcNow, TimeSpan.Zero));
        while (true)
        {
            var next = _api.ReadPostAsync(replyLimit.Token).AsTask();
            await Task.WhenAny(next, _exited).ConfigureAwait(false);
            if (!next.IsCompleted)
            {
                // Exited: anything it posted before dying has been recorded already.
                await replyLimit.CancelAsync().ConfigureAwait(false);
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (next.IsCompletedSuccessfully && Matches(next.Result, requestId))
                {
                    return ToResult(requestId, next.Result);
                }

                return TryTakeMatchingPost(requestId) is { } post
                    ? ToResult(requestId, post)
                    : NoReply(requestId, handOut, LambdaInvocationOutcome.ProcessExited);
            }

            if (!next.IsCompletedSuccessfully)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return NoReply(requestId, handOut, LambdaInvocationOutcome.TimedOut);
            }

            // A late reply to an earlier, timed-out invocation is dropped, as Lambda drops it.
            if (Matches(next.Result, requestId))
            {
                return ToResult(requestId, next.Result);
            }
        }
    }

    /// <summary>Waits for the process to end by itself (e.g. after an init error); false when it is still running.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        await Task.WhenAny(_exited, Task.Delay(limit)).ConfigureAwait(false);
        return _exited.IsCompleted;
    }

    /// <summary>The current VmHWM (peak resident set) of the process from /proc, in KB; null once it has exited.</summary>
    public long? ReadPeakRssKilobytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{ProcessId}/status"))
            {
                // "VmHWM:	   23456 kB"
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone (or this is not Linux).
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Reads the peak RSS, then kills the bootstrap by its own PID and waits for it (and its output) to end.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _exited.ConfigureAwait(false);
            return;
        }

        if (!HasExited)
        {
            PeakRssKilobytes = ReadPeakRssKilobytes();
            try
            {
                // SIGKILL to this PID only: what Lambda does to an environment it retires without extensions.
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
        }

        await _exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
            await _api.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void SetLambdaEnvironment(IDictionary<string, string?> environment, string bootstrap, string apiAddress, LambdaProcessOptions options)
    {
        // A clean environment like Lambda's: nothing of this machine's (no HOME, no DOTNET_*, no proxies) leaks in.
        environment.Clear();
        var taskRoot = Path.GetDirectoryName(bootstrap)!;
        environment["PATH"] = DefaultPath;
        environment["LANG"] = "en_US.UTF-8";
        environment["TZ"] = ":UTC";
        environment["LAMBDA_TASK_ROOT"] = taskRoot;
        environment["LAMBDA_RUNTIME_DIR"] = taskRoot;
        environment["_HANDLER"] = "bootstrap";
        environment["AWS_REGION"] = "us-east-1";
        environment["AWS_DEFAULT_REGION"] = "us-east-1";
        environment["AWS_LAMBDA_FUNCTION_NAME"] = options.FunctionName;
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = "128";
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + options.FunctionName;
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = "local/[$LATEST]" + Guid.NewGuid().ToString("N");
        environment["AWS_LAMBDA_RUNTIME_API"] = apiAddress;
        foreach ((var name, var value) in options.Environment)
        {
            environment[name] = value;
        }
    }

    /// <summary>
    /// Starts /bin/true once per host process, the way the bootstrap is started, so that the first spawn timed is not
    /// also the one that compiles and initialises Process.Start (several milliseconds that belong to this host).
    /// </summary>
    private static void WarmUpProcessStart()
    {
        if (Interlocked.Exchange(ref _processStartWarmedUp, 1) != 0 || !File.Exists("/bin/true"))
        {
            return;
        }

        try
        {
            using var warmUp = Process.Start(new ProcessStartInfo("/bin/true")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            warmUp?.WaitForExit(5_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Only a warm-up: the measurement is merely less precise without it.
        }
    }

    private static bool Matches(RecordedPost post, string requestId) =>
        post.Kind == RuntimeApiPostKind.InitializationError || string.Equals(post.RequestId, requestId, StringComparison.Ordinal);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // X-Ray's format: Root=1-<8 hex seconds>-<24 hex random>;Sampled=0
    private static string NewTraceId() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Root=1-{DateTimeOffset.UtcNow.ToUnixTimeSeconds():x8}-{Guid.NewGuid().ToString("N")[..24]};Sampled=0");

    private RecordedPost? TryTakeMatchingPost(string requestId)
    {
        while (_api.TryReadPost(out var post))
        {
            if (Matches(post, requestId))
            {
                return post;
            }
        }

        return null;
    }

    private LambdaInvocationResult ToResult(string requestId, RecordedPost post)
    {
        if (post.Kind == RuntimeApiPostKind.Response)
        {
            Interlocked.CompareExchange(ref _firstResponseTimestamp, post.ReceivedTimestamp, 0);
        }

        var outcome = post.Kind switch
        {
            RuntimeApiPostKind.Response => LambdaInvocationOutcome.Response,
            RuntimeApiPostKind.InvocationError => LambdaInvocationOutcome.FunctionError,
            _ => LambdaInvocationOutcome.InitError,
        };
        return new LambdaInvocationResult(requestId, outcome, post.Body)
        {
            ErrorType = post.Kind == RuntimeApiPostKind.Response ? null : post.Header("Lambda-Runtime-Function-Error-Type"),
            Duration = post.InvocationDuration,
            Deadline = post.Invocation?.Deadline,
            ReceivedAt = post.ReceivedAt,
            ExitCode = ExitCode,
        };
    }

    private LambdaInvocationResult NoReply(string requestId, HandedOutInvocation? handOut, LambdaInvocationOutcome outcome)
    {
        // The error documents Lambda itself would write for these cases.
        var invariant = CultureInfo.InvariantCulture;
        (var errorType, var message) = (outcome, handOut) switch
        {
            (LambdaInvocationOutcome.TimedOut, null) => ("Sandbox.Timedout", string.Create(
                invariant, $"RequestId: {requestId} Error: the runtime did not ask for the event within the init timeout ({_options.InitTimeout.TotalSeconds:0} s)")),
            (LambdaInvocationOutcome.TimedOut, _) => ("Sandbox.Timedout", string.Create(
                invariant, $"RequestId: {requestId} Error: Task timed out after {_options.InvocationTimeout.TotalSeconds:0.00} seconds")),
            _ => ("Runtime.ExitError", string.Create(
                invariant, $"RequestId: {requestId} Error: Runtime exited with error: exit status {ExitCode}")),
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new Dictionary<string, string> { ["errorMessage"] = message, ["errorType"] = errorType });
        return new LambdaInvocationResult(requestId, outcome, body)
        {
            ErrorType = errorType,
            Deadline = handOut?.Deadline,
            ExitCode = ExitCode,
        };
    }

    private void OnLine(BootstrapLogStream stream, string? text)
    {
        // Null marks the end of the stream.
        if (text is null)
        {
            return;
        }

        var line = new BootstrapLogLine(stream, text);
        _log.Enqueue(line);
        _options.OnLogLine?.Invoke(line);
    }
}

/// <summary>How <see cref="LambdaProcess"/> starts a bootstrap and invokes it.</summary>
public sealed record LambdaProcessOptions
{
    /// <summary>Lambda's own default function timeout is 3 s, and Pulumi's rotator template leaves it there.</summary>
    public static readonly TimeSpan DefaultInvocationTimeout = TimeSpan.FromMilliseconds(3000);

    /// <summary>The executable to run (a published Native AOT bootstrap).</summary>
    public required string BootstrapPath { get; init; }

    /// <summary>Extra environment variables; they win over the Lambda-like defaults <see cref="LambdaProcess"/> sets.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Each event's Lambda-Runtime-Deadline-Ms is the moment it is handed out plus this.</summary>
    public TimeSpan InvocationTimeout { get; init; } = DefaultInvocationTimeout;

    /// <summary>How long past the deadline to keep waiting for a late reply (which Lambda itself would discard).</summary>
    public TimeSpan LateReplyGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Lambda's limit for a runtime to initialise and ask for its first event.</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string FunctionName { get; init; } = "esc-rotator-local";

    /// <summary>Called for every line the bootstrap writes, on a thread-pool thread; must not throw.</summary>
    public Action<BootstrapLogLine>? OnLogLine { get; init; }
}

/// <summary>What one invocation through <see cref="LambdaProcess"/> produced.</summary>
public sealed record LambdaInvocationResult(string RequestId, LambdaInvocationOutcome Outcome, byte[] Body)
{
    /// <summary>Lambda-Runtime-Function-Error-Type of an error post, or the type Lambda would report itself.</summary>
    public string? ErrorType { get; init; }

    /// <summary>From the event leaving /next to the reply arriving; null when nothing came back.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The Lambda-Runtime-Deadline-Ms that was sent; null when the event was never handed out.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When the reply arrived (wall clock); null when nothing came back.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The exit code, when the process ended during this invocation.</summary>
    public int? ExitCode { get; init; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The reply came back, and before the deadline (Lambda discards anything later).</summary>
    public bool ArrivedBeforeDeadline => ReceivedAt is { } received && (Deadline is not { } deadline || received < deadline);
}

/// <summary>How an invocation ended, in Lambda's terms.</summary>
public enum LambdaInvocationOutcome
{
    /// <summary>The runtime posted a response (the rotator's reply, whatever its <c>code</c>).</summary>
    Response,

    /// <summary>The runtime posted to /invocation/{id}/error: a function error.</summary>
    FunctionError,

    /// <summary>The runtime posted to /init/error instead of taking the event.</summary>
    InitError,

    /// <summary>No reply by the deadline (plus the grace period); Lambda would report Sandbox.Timedout.</summary>
    TimedOut,

    /// <summary>The process exited without replying; Lambda would report Runtime.ExitError.</summary>
    ProcessExited,
}

/// <summary>One line the bootstrap wrote, without its line break.</summary>
public sealed record BootstrapLogLine(BootstrapLogStream Stream, string Text);

/// <summary>Which of the bootstrap's output streams a line came from (Lambda ships both to CloudWatch alike).</summary>
public enum BootstrapLogStream
{
    StandardOutput,
    StandardError,
}
