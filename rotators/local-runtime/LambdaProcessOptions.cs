namespace EscRotators.LocalRuntime;

/// <summary>How <see cref="LambdaProcess"/> starts a bootstrap and invokes it.</summary>
public sealed record LambdaProcessOptions
{
    /// <summary>Lambda's own default function timeout is 3 s, and Pulumi's rotator template leaves it there.</summary>
    public static readonly TimeSpan DefaultInvocationTimeout = TimeSpan.FromMilliseconds(3000);

    /// <summary>The executable to run (a published Native AOT bootstrap).</summary>
    public required string BootstrapPath { get; init; }

    /// <summary>Extra environment variables; they win over the Lambda-like defaults <see cref="LambdaProcess"/> sets.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Each event's Lambda-Runtime-Deadline-Ms is the moment it is handed out plus this.</summary>
    public TimeSpan InvocationTimeout { get; init; } = DefaultInvocationTimeout;

    /// <summary>How long past the deadline to keep waiting for a late reply (which Lambda itself would discard).</summary>
    public TimeSpan LateReplyGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Lambda's limit for a runtime to initialise and ask for its first event.</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string FunctionName { get; init; } = "esc-rotator-local";

    /// <summary>Called for every line the bootstrap writes, on a thread-pool thread; must not throw.</summary>
    public Action<BootstrapLogLine>? OnLogLine { get; init; }
}
