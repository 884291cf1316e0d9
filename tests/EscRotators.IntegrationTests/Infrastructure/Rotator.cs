using System.Text.Json.Nodes;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Runs an event by either <see cref="RotatorPath"/>.</summary>
public static class Rotator
{
    public static Task<RotatorRun> RunAsync(JsonNode evt, RotatorPath path = RotatorPath.InProcess) =>
        RunAsync(EventJson.ToUtf8(evt), path);

    public static Task<RotatorRun> RunAsync(byte[] payload, RotatorPath path) => path == RotatorPath.InProcess
        ? InProcessRotator.RunAsync(payload)
        : BootstrapProcess.RunAsync(payload);
}
