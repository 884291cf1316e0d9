using System.Runtime.InteropServices;
using System.Text.Json;
using EscRotators.Adapter;
using EscRotators.Composition;
using EscRotators.Logging;
using EscRotators.Rotation;
using EscRotators.Runtime;
using EscRotators.SecretsManager.Rotation;

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
                var host = RotatorComposition.CreateHostFromEnvironment(logger);
                var functionUrl = new FunctionUrlTransport(host.Adapter, logger);

                // One parse tells the kind: requestContext.http is an HTTPS adapter request; a top-level "Step" is Secrets
                // Manager's (a failed step throws: Secrets Manager sees the function error); the rest is Form A/B.
                LambdaHandler handler = async (payload, context, stoppingToken) =>
                {
                    // The budget owns the deadline: the work stops when the reply is due, or when the host stops.
                    var budget = new InvocationBudget(context.Deadline, options.TimeProvider);
                    using var replyDue = budget.CancelWhenReplyIsDue();
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(replyDue.Token, stoppingToken);
                    var cancellationToken = linked.Token;
                    using var document = PayloadJson.TryParse(payload);
                    if (document is null)
                    {
                        // Not JSON: the dispatcher words the 400.
                        return await host.Dispatcher.RotateToJsonAsync(payload, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                    }

                    var root = document.RootElement;
                    if (FunctionUrlTransport.TryRead(root) is { } http)
                    {
                        return await functionUrl.HandleAsync(http, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                    }

                    return SecretsManagerEvent.TryRead(root) is { } rotation
                        ? await host.SecretsManager.HandleToJsonAsync(rotation, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false)
                        : await host.Dispatcher.RotateToJsonAsync(root, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                };
                return Task.FromResult(handler);
            },
            options,
            stopping.Token).ConfigureAwait(false);
    }
}

/// <summary>The one parse of an event payload, from which the hosts tell its kind (Function URL, Secrets Manager, Form A/B).</summary>
internal static class PayloadJson
{
    /// <summary>The parsed payload; null when it is not JSON (the dispatcher then words the 400).</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return JsonDocument.Parse(payload);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
