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

                // One parse tells the kind (PayloadJson.KindOf). A failed Secrets Manager step throws: Secrets Manager
                // sees the function error.
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
                    switch (PayloadJson.KindOf(root))
                    {
                        // A request-shaped payload that does not read as one is left to the dispatcher's 400.
                        case PayloadKind.FunctionUrl when FunctionUrlTransport.TryRead(root) is { } http:
                            return await functionUrl.HandleAsync(http, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                        case PayloadKind.SecretsManagerStep when SecretsManagerEvent.TryRead(root) is { } rotation:
                            return await host.SecretsManager.HandleToJsonAsync(rotation, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                        default:
                            return await host.Dispatcher.RotateToJsonAsync(root, context.AwsRequestId, budget, cancellationToken).ConfigureAwait(false);
                    }
                };
                return Task.FromResult(handler);
            },
            options,
            stopping.Token).ConfigureAwait(false);
    }
}

/// <summary>What a Lambda payload is, told from its one parse.</summary>
internal enum PayloadKind
{
    /// <summary>Form A or B, and anything unrecognised: the dispatcher answers (a 400 for what it cannot read).</summary>
    Rotation,

    /// <summary>A Function URL request (format 2.0): <c>requestContext.http</c> is an object. The HTTPS adapter's.</summary>
    FunctionUrl,

    /// <summary>A Secrets Manager rotation step: a top-level <c>Step</c>.</summary>
    SecretsManagerStep,
}

/// <summary>The one parse of an event payload, and the one rule that tells its kind (Function URL, Secrets Manager, Form A/B).</summary>
internal static class PayloadJson
{
    public static PayloadKind KindOf(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return PayloadKind.Rotation;
        }

        if (root.TryGetProperty("requestContext", out var context) && context.ValueKind == JsonValueKind.Object
            && context.TryGetProperty("http", out var http) && http.ValueKind == JsonValueKind.Object)
        {
            return PayloadKind.FunctionUrl;
        }

        return root.TryGetProperty("Step", out _) ? PayloadKind.SecretsManagerStep : PayloadKind.Rotation;
    }

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
