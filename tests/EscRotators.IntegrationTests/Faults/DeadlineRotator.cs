using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>
/// Runs one event through the composition root's <see cref="RotationDispatcher"/> the way the Lambda loop does: a
/// deadline <c>timeout</c> ahead and a cancellation token that fires <see cref="InvocationBudget.ReplyMargin"/> before
/// it. Logs at DEBUG, so the retry lines show, and measures the time to reply.
/// </summary>
internal static class DeadlineRotator
{
    public const string RetryLogLine = "database unreachable, retrying";

    public static async Task<(RotatorRun Result, TimeSpan Elapsed)> RunAsync(
        JsonNode evt,
        TimeSpan timeout,
        RotatorOptions? options = null,
        Action? onStart = null)
    {
        var payload = EventJson.ToUtf8(evt);
        using var log = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var logger = new RotatorLogger(new LogSink(log, LogFormat.Text, LogLevel.Debug));
        var dispatcher = RotatorComposition.CreateDispatcher(options ?? TestRotatorDefaults.Options, SystemTrustStore.FromEnvironment(), logger);
        var budget = new InvocationBudget(DateTimeOffset.UtcNow + timeout, TimeProvider.System);
        using var cancellation = budget.CancelWhenReplyIsDue();
        var clock = Stopwatch.StartNew();
        onStart?.Invoke();
        RotationReply reply;
        try
        {
            reply = await dispatcher.RotateAsync(payload, "fault-" + Guid.NewGuid().ToString("N")[..12], budget, cancellation.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not AssertionException)
        {
            // In Lambda this is a function error (UnexpectedRotatorException), not a 400 reply.
            TestContext.Out.WriteLine($"no reply: the dispatcher threw after {clock.ElapsedMilliseconds} ms");
            Assert.Fail(
                $"the dispatcher threw {ex.GetType().FullName} after {clock.ElapsedMilliseconds} ms instead of replying: {ex.Message}\n{ex.StackTrace}\nlog:\n{log}");
            throw;
        }

        clock.Stop();
        var result = RotatorRun.From(Encoding.UTF8.GetString(ReplySerializer.Serialize(reply)), log.ToString(), exitCode: null);
        return (result, clock.Elapsed);
    }

    /// <summary>How many times the rotation logged that it would retry an unreachable database.</summary>
    public static int Retries(RotatorRun result) =>
        result.Log.Split('\n').Count(line => line.Contains(RetryLogLine, StringComparison.Ordinal));
}
