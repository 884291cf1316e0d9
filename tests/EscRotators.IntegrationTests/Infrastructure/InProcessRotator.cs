using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Configuration;
using EscRotators.Dispatch;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;
using EscRotators.Protocol;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Runs one event through <see cref="RotationDispatcher"/> in this process, logging to a captured writer.</summary>
public static class InProcessRotator
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static Task<RotationResult> RunAsync(JsonNode evt, LogFormat format = LogFormat.Text, RotatorOptions? options = null) =>
        RunAsync(EventJson.ToUtf8(evt), format, options);

    public static async Task<RotationResult> RunAsync(byte[] payload, LogFormat format = LogFormat.Text, RotatorOptions? options = null)
    {
        using var log = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var logger = new RotatorLogger(new LogSink(log, format, LogLevel.Info));
        var dispatcher = new RotationDispatcher([new MySqlEngine(), new PostgresEngine()], options ?? new RotatorOptions(), logger);
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        var reply = await dispatcher.DispatchAsync(
            payload,
            "test-" + Guid.NewGuid().ToString("N")[..12],
            DateTimeOffset.UtcNow + DefaultTimeout,
            timeout.Token).ConfigureAwait(false);
        var result = RotationResult.From(Encoding.UTF8.GetString(ReplySerializer.Serialize(reply)), log.ToString(), exitCode: null);
        LogGuard.AssertNoPasswordsIn(result, payload);
        return result;
    }
}
