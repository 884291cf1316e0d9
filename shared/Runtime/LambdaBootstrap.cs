namespace EscRotators.Runtime;

/// <summary>
/// The invocation loop of a custom runtime: fetch the next event, run the handler, post its reply or error,
/// repeat until stopped. One bad event never ends the loop; only a Runtime API that stays unreachable
/// or answers /next with an error does.
/// </summary>
public sealed class LambdaBootstrap
{
    /// <summary>Exit code when the initialisation delegate failed (after reporting it to /runtime/init/error).</summary>
    public const int InitializationFailedExitCode = 1;

    /// <summary>Exit code when the Runtime API failed in a way the loop cannot recover from.</summary>
    public const int RuntimeApiFailedExitCode = 2;

    // X-Ray SDKs read the current trace header from this variable rather than from the context.
    internal const string TraceIdEnvironmentVariable = "_X_AMZN_TRACE_ID";

    private readonly IRuntimeApiClient _client;
    private readonly LambdaHandler _handler;
    private readonly LambdaBootstrapOptions _options;

    public LambdaBootstrap(IRuntimeApiClient client, LambdaHandler handler, LambdaBootstrapOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));

        _client = client;
        _handler = handler;
        _options = options;
    }

    /// <summary>
    /// Runs <paramref name="initialize"/> to build the handler, then the loop until <paramref name="stoppingToken"/>
    /// is cancelled, and returns the process exit code. A failed initialisation is posted to /runtime/init/error.
    /// </summary>
    /// <returns>0 when stopped, <see cref="InitializationFailedExitCode"/> or <see cref="RuntimeApiFailedExitCode"/>.</returns>
    public static async Task<int> InitializeAndRunAsync(
        IRuntimeApiClient client,
        Func<CancellationToken, Task<LambdaHandler>> initialize,
        LambdaBootstrapOptions options,
        CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(initialize);
        ArgumentNullException.ThrowIfNull(options);

        LambdaHandler handler;
        try
        {
            handler = await initialize(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception exception)
        {
            options.OnLoopError?.Invoke("Initialization failed; reporting it to the Runtime API.", exception);
            await ReportInitializationErrorAsync(client, exception, options, stoppingToken).ConfigureAwait(false);
            return InitializationFailedExitCode;
        }

        try
        {
            await new LambdaBootstrap(client, handler, options).RunAsync(stoppingToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is RuntimeApiException or IOException)
        {
            options.OnLoopError?.Invoke("The Runtime API failed; exiting so that Lambda restarts the runtime.", exception);
            return RuntimeApiFailedExitCode;
        }
    }

    /// <summary>Handles invocations until <paramref name="stoppingToken"/> is cancelled, then completes normally.</summary>
    /// <exception cref="RuntimeApiException">/next answered with an error status.</exception>
    /// <exception cref="IOException">/next stayed unreachable through every retry.</exception>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var invocation = await GetNextInvocationAsync(stoppingToken).ConfigureAwait(false);
                await InvokeAsync(invocation, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping is the normal way out of the loop.
        }
    }

    private static bool IsStopping(Exception exception, CancellationToken stoppingToken) =>
        exception is OperationCanceledException && stoppingToken.IsCancellationRequested;

    private static async Task ReportInitializationErrorAsync(
        IRuntimeApiClient client,
        Exception exception,
        LambdaBootstrapOptions options,
        CancellationToken stoppingToken)
    {
        try
        {
            await client.ReportInitializationErrorAsync(exception, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception reportFailure)
        {
            // The process exits non-zero either way; Lambda then records a generic runtime exit error.
            options.OnLoopError?.Invoke("Reporting the initialization error to the Runtime API failed.", reportFailure);
        }
    }

    private async Task<InvocationRequest> GetNextInvocationAsync(CancellationToken stoppingToken)
    {
        var backoff = _options.NextInvocationBackoff;
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await _client.GetNextInvocationAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException && failures < backoff.MaxAttempts)
            {
                ReportLoopError($"Fetching the next invocation failed (attempt {failures} of {backoff.MaxAttempts}); retrying.", exception);
            }

            await Task.Delay(backoff.DelayAfter(failures), _options.TimeProvider, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task InvokeAsync(InvocationRequest invocation, CancellationToken stoppingToken)
    {
        var context = invocation.Context;

        // Null removes the variable, so an untraced invocation never inherits the previous one's trace.
        Environment.SetEnvironmentVariable(TraceIdEnvironmentVariable, context.TraceId);

        ReadOnlyMemory<byte> reply;
        try
        {
            // The deadline is the handler's to keep (it is in the context); the loop cancels only when the host stops.
            reply = await _handler(invocation.Payload, context, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!IsStopping(exception, stoppingToken))
        {
            ReportLoopError($"The handler failed for request {context.AwsRequestId}; reporting a function error.", exception);
            await PostInvocationErrorAsync(context.AwsRequestId, exception, stoppingToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _client.SendResponseAsync(context.AwsRequestId, reply, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!IsStopping(exception, stoppingToken))
        {
            ReportLoopError($"Posting the response for request {context.AwsRequestId} failed.", exception);
        }
    }

    private async Task PostInvocationErrorAsync(string requestId, Exception exception, CancellationToken stoppingToken)
    {
        try
        {
            await _client.ReportInvocationErrorAsync(requestId, exception, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception reportFailure) when (!IsStopping(reportFailure, stoppingToken))
        {
            ReportLoopError($"Reporting the function error for request {requestId} failed.", reportFailure);
        }
    }

    private void ReportLoopError(string message, Exception? exception) =>
        _options.OnLoopError?.Invoke(message, exception);
}

/// <summary>Settings for <see cref="LambdaBootstrap"/>.</summary>
public sealed record LambdaBootstrapOptions
{
    /// <summary>
    /// Called with a description and the cause whenever the loop swallows a failure: a handler exception,
    /// a response or error that could not be posted, a /next attempt that will be retried, or a failed
    /// initialisation. Lets the host log without this layer depending on its logger. Must not throw.
    /// </summary>
    public Action<string, Exception?>? OnLoopError { get; init; }

    /// <summary>The clock for the retry delays. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal NextInvocationBackoff NextInvocationBackoff { get; init; } = NextInvocationBackoff.Default;
}

/// <summary>
/// How long the loop waits after /next fails at the transport level (for example while a local
/// Runtime API emulator restarts), and after how many attempts in a row it gives up.
/// </summary>
internal sealed record NextInvocationBackoff(TimeSpan InitialDelay, TimeSpan MaxDelay, int MaxAttempts)
{
    /// <summary>100 ms doubling to at most 1 s, ten attempts: 6.5 s of pauses before the process gives up.</summary>
    public static NextInvocationBackoff Default { get; } =
        new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), MaxAttempts: 10);

    /// <summary>The pause after the given number of consecutive failures (1 for the first).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);

        var ticks = InitialDelay.Ticks * Math.Pow(2, failures - 1);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>
/// The function itself: takes one event payload and returns the reply bytes.
/// Throwing is reported to Lambda as a function error, so it should mean a bug, not an expected outcome.
/// </summary>
/// <param name="payload">The raw event body as delivered by the Runtime API.</param>
/// <param name="context">What the invocation knows about itself.</param>
/// <param name="cancellationToken">
/// Fires when the host is stopping. The deadline is <see cref="LambdaContext.Deadline"/>: keeping it, with time left to
/// reply, is the handler's job.
/// </param>
public delegate Task<ReadOnlyMemory<byte>> LambdaHandler(
    ReadOnlyMemory<byte> payload,
    LambdaContext context,
    CancellationToken cancellationToken);

/// <summary>What one invocation knows about itself, taken from the Runtime API's /next headers.</summary>
public sealed class LambdaContext
{
    /// <param name="awsRequestId">The Lambda request id; responses and errors are posted against it.</param>
    /// <param name="deadline">When Lambda stops the invocation; <see cref="DateTimeOffset.MaxValue"/> when unknown.</param>
    /// <param name="traceId">The X-Ray trace header, when tracing is active.</param>
    public LambdaContext(string awsRequestId, DateTimeOffset deadline, string? traceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(awsRequestId);

        AwsRequestId = awsRequestId;
        Deadline = deadline;
        TraceId = traceId;
    }

    public string AwsRequestId { get; }

    public DateTimeOffset Deadline { get; }

    public string? TraceId { get; }
}
