using System.Globalization;

namespace EscRotators.LocalRuntime;

/// <summary>The arguments of the EscRotators.LocalRuntime command.</summary>
public sealed record HostCommandLine
{
    public const string Usage = """
        EscRotators.LocalRuntime — runs a Lambda custom runtime (bootstrap) against a local Lambda Runtime API

        Usage:
          EscRotators.LocalRuntime --bootstrap PATH [--timeout-ms 3000] [--env K=V ...] [--report FILE]
                                   [--success code200|response] [EVENT_FILE ...]

        Events   each EVENT_FILE holds one event; without files, stdin holds one event per line (JSON lines),
                 each sent as soon as it is read (the process starts with the first).
                 They are sent in order to one bootstrap process, each with Lambda-Runtime-Deadline-Ms = the
                 moment it is handed out + --timeout-ms (default 3000, Lambda's and Pulumi's template's default).
        stdout   each reply body, one per line, in order. What is not a response is printed as
                 "ERROR <type> <body>": Function.UnhandledException (a function error), Runtime.InitError,
                 Sandbox.Timedout (no reply by the deadline), Runtime.ExitError (the process died), Skipped.
        stderr   the bootstrap's own stdout and stderr lines, as it wrote them.
        --env    extra environment variables for bootstrap (the environment is otherwise a clean, Lambda-like one).
        --report writes JSON: initMs (spawn → first /next), coldStartMs (spawn → first reply), lastReplyMs
                 (spawn → last reply), per-invocation ms (hand-out → reply), peakRssKb (VmHWM before the process
                 is stopped).
        --success what counts as success: code200 (default), a response with "code":200 as the ESC protocol
                 replies; response, any response before the deadline (a function that returns normally, as
                 Secrets Manager's steps do).
        Exit     0 when every reply is a success; 1 otherwise; 2 on usage or host errors.
        """;

    public required string BootstrapPath { get; init; }

    public TimeSpan Timeout { get; init; } = LambdaProcessOptions.DefaultInvocationTimeout;

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<string> EventFiles { get; init; } = [];

    public string? ReportPath { get; init; }

    public SuccessCriterion Success { get; init; } = SuccessCriterion.Code200;

    /// <summary>Parses <paramref name="args"/>; returns null with <paramref name="error"/> set (null for --help).</summary>
    public static HostCommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? bootstrap = null;
        string? report = null;
        var timeout = LambdaProcessOptions.DefaultInvocationTimeout;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var events = new List<string>();
        var success = SuccessCriterion.Code200;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var hasValue = i + 1 < args.Count;
            switch (arg)
            {
                case "-h" or "--help":
                    error = null;
                    return null;
                case "--bootstrap" when hasValue:
                    bootstrap = args[++i];
                    break;
                case "--report" when hasValue:
                    report = args[++i];
                    break;
                case "--timeout-ms" when hasValue:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms is < 1 or > 900_000)
                    {
                        error = "--timeout-ms takes whole milliseconds between 1 and 900000 (Lambda's 15 minutes)";
                        return null;
                    }

                    timeout = TimeSpan.FromMilliseconds(ms);
                    break;
                case "--success" when hasValue:
                    switch (args[++i])
                    {
                        case "code200":
                            success = SuccessCriterion.Code200;
                            break;
                        case "response":
                            success = SuccessCriterion.AnyResponse;
                            break;
                        default:
                            error = "--success takes code200 or response";
                            return null;
                    }

                    break;
                case "--env" when hasValue:
                    var pair = args[++i];
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals < 1)
                    {
                        error = $"--env takes NAME=VALUE (got '{pair}')";
                        return null;
                    }

                    environment[pair[..equals]] = pair[(equals + 1)..];
                    break;
                case "--":
                    events.AddRange(args.Skip(i + 1));
                    i = args.Count;
                    break;
                default:
                    if (arg.StartsWith('-') && arg != "-")
                    {
                        error = $"unknown or incomplete option '{arg}'";
                        return null;
                    }

                    events.Add(arg);
                    break;
            }
        }

        if (bootstrap is null)
        {
            error = "--bootstrap PATH is required";
            return null;
        }

        error = null;
        return new HostCommandLine
        {
            BootstrapPath = bootstrap,
            Timeout = timeout,
            Environment = environment,
            EventFiles = events,
            ReportPath = report,
            Success = success,
        };
    }
}

/// <summary>Which replies count as success for the host's exit code.</summary>
public enum SuccessCriterion
{
    /// <summary>A response whose body is a JSON object with <c>"code":200</c> (the ESC protocol's replies).</summary>
    Code200,

    /// <summary>Any response before the deadline, whatever its body: a function that returns normally (Secrets Manager's steps).</summary>
    AnyResponse,
}
