using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// Runs one event through the <see cref="RotationDispatcher"/> the composition root builds (the same engines and
/// trust path as bootstrap), in this process, logging to a captured writer.
/// </summary>
public static class InProcessRotator
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static Task<RotatorRun> RunAsync(JsonNode evt, LogFormat format = LogFormat.Text, RotatorOptions? options = null) =>
        RunAsync(EventJson.ToUtf8(evt), format, options);

    public static async Task<RotatorRun> RunAsync(byte[] payload, LogFormat format = LogFormat.Text, RotatorOptions? options = null)
    {
        using var log = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var logger = new RotatorLogger(new LogSink(log, format, LogLevel.Info));
        var dispatcher = RotatorComposition.CreateDispatcher(options ?? TestRotatorDefaults.Options, SystemTrustStore.FromEnvironment(), logger);
        var budget = InvocationBudget.StartingNow(DefaultTimeout, TimeProvider.System);
        using var replyDue = budget.CancelWhenReplyIsDue();
        var reply = await dispatcher.RotateAsync(payload, "test-" + Guid.NewGuid().ToString("N")[..12], budget, replyDue.Token)
            .ConfigureAwait(false);
        var result = RotatorRun.From(Encoding.UTF8.GetString(ReplySerializer.Serialize(reply)), log.ToString(), exitCode: null);
        LogGuard.AssertNoPasswordsIn(result, payload);
        return result;
    }
}
