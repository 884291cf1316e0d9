using System.Runtime.InteropServices;
using EscRotators.Logging;
using EscRotators.Runtime;

namespace EscRotators.Bootstrap;

/// <summary>
/// Runs as a provided.al2023 custom runtime: initialise (read the environment), then loop on the Runtime API.
/// A bad environment is reported to <c>/runtime/init/error</c> and the process exits.
/// </summary>
internal static class LambdaCommand
{
    public static async Task<int> RunAsync()
    {
        // Lambda ships stdout and stderr to CloudWatch alike; stdout keeps the lines in order with the runtime's own.
        var logger = new RotatorLogger(LogSink.FromEnvironment(Console.Out));
        var options = new LambdaBootstrapOptions
        {
            // The loop's failures carry no event data; log the exception type, never its message.
            OnLoopError = (description, exception) => logger.Error(
                description,
                LogField.Of("exception", exception?.GetType().FullName),
                LogField.Of("stackTrace", exception?.StackTrace)),
        };

        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopping.Cancel();
        });
        using var client = RuntimeApiClient.FromEnvironment();
        return await LambdaBootstrap.InitializeAndRunAsync(
            client,
            _ =>
            {
                var dispatcher = RotatorHost.CreateDispatcher(logger);
                LambdaHandler handler = (payload, context, cancellationToken) =>
                    dispatcher.HandleAsync(payload, context.AwsRequestId, context.Deadline, cancellationToken);
                return Task.FromResult(handler);
            },
            options,
            stopping.Token).ConfigureAwait(false);
    }
}
