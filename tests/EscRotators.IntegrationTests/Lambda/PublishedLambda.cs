using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.LocalRuntime;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>Runs the published bootstrap as a Lambda execution environment on this machine, one per test.</summary>
internal static class PublishedLambda
{
    /// <summary>Starts bootstrap under its own local Runtime API, in a clean Lambda-like environment plus <paramref name="environment"/>.</summary>
    public static async Task<LambdaProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var bootstrap = await PublishedExecutable.Bootstrap.GetPathAsync().ConfigureAwait(false);
        var variables = new Dictionary<string, string?>();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        TestRotatorDefaults.AddTo(variables);
        return LambdaProcess.Start(new LambdaProcessOptions
        {
            BootstrapPath = bootstrap,
            Environment = variables.ToDictionary(pair => pair.Key, pair => pair.Value ?? ""),
            InvocationTimeout = timeout ?? LambdaProcessOptions.DefaultInvocationTimeout,
        });
    }

    /// <summary>Invokes with <paramref name="evt"/> and requires a normal response, before the deadline.</summary>
    public static async Task<(RotatorRun Result, LambdaInvocationResult Invocation)> RotateAsync(LambdaProcess lambda, JsonNode evt) =>
        await RotateAsync(lambda, EventJson.ToUtf8(evt)).ConfigureAwait(false);

    public static async Task<(RotatorRun Result, LambdaInvocationResult Invocation)> RotateAsync(LambdaProcess lambda, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        var invocation = await lambda.InvokeAsync(payload).ConfigureAwait(false);
        var result = RotatorRun.From(invocation.BodyText, Log(lambda), exitCode: null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(invocation.Outcome, Is.EqualTo(LambdaInvocationOutcome.Response), Describe(invocation, lambda));
            Assert.That(invocation.ArrivedBeforeDeadline, Is.True, "the reply came after the deadline: " + Describe(invocation, lambda));
        }

        return (result, invocation);
    }

    /// <summary>Everything bootstrap wrote so far, stdout and stderr, one line each.</summary>
    public static string Log(LambdaProcess lambda) => string.Join('\n', lambda.LogLines.Select(line => line.Text));

    /// <summary>Shown when an assertion fails: the outcome, the body and the log (which hold no secrets by contract).</summary>
    public static string Describe(LambdaInvocationResult invocation, LambdaProcess lambda)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        return $"outcome {invocation.Outcome} {invocation.ErrorType}, {invocation.Duration?.TotalMilliseconds:0} ms, " +
            $"exit code {lambda.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}\n" +
            $"body: {invocation.BodyText}\nlog:\n{Log(lambda)}";
    }
}
