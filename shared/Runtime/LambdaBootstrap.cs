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
            reply = await InvokeHandlerAsync(invocation, stoppingToken).ConfigureAwait(false);
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

    // The deadline is the handler's to keep (it is in the context); the loop cancels only when the host stops.
    private Task<ReadOnlyMemory<byte>> InvokeHandlerAsync(InvocationRequest invocation, CancellationToken stoppingToken) =>
        _handler(invocation.Payload, invocation.Context, stoppingToken);

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
