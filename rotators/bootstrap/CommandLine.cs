using System.Globalization;
using System.Reflection;
using EscRotators.Composition;

namespace EscRotators.Bootstrap;

/// <summary>Parses bootstrap's arguments into the command to run.</summary>
internal static class CommandLine
{
    public static string Usage { get; } = $$"""
        bootstrap — EscRotators database credential rotator (Pulumi ESC {{string.Join(" / ", RotatorComposition.EngineTypes.Select(t => "fn::rotate::" + t))}})

        Usage:
          bootstrap                          run as an AWS Lambda custom runtime (needs AWS_LAMBDA_RUNTIME_API)
          bootstrap invoke [--event FILE] [--timeout SECONDS]
                                             rotate once: the event JSON from FILE (or stdin), the reply on stdout,
                                             logs on stderr; exit 0 for code 200, 1 otherwise
                                             (2: bad arguments or unreadable event, 3: internal error)
          bootstrap --help | --version

        Environment:
          ESC_ROTATOR_TLS_MODE       default TLS mode: disable, prefer (default), require, verify-ca, verify-full
          ESC_ROTATOR_CA_BUNDLE      PEM file of trusted CAs (relative paths resolve next to bootstrap)
          AWS_LAMBDA_LOG_FORMAT      Text (default) or JSON
          AWS_LAMBDA_LOG_LEVEL       TRACE, DEBUG, INFO (default), WARN, ERROR, FATAL
        """;

    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    /// <summary>Returns the invoke command, or null with <paramref name="error"/> set (or null for help/version handled by the caller).</summary>
    public static InvokeCommand? ParseInvoke(ReadOnlySpan<string> args, out string? error)
    {
        string? eventPath = null;
        var timeout = TimeSpan.FromSeconds(InvokeCommand.DefaultTimeoutSeconds);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--event" or "-e" when i + 1 < args.Length:
                    eventPath = args[++i];
                    break;
                case "--timeout" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                        || !double.IsFinite(seconds) || seconds <= 0 || seconds > 900)
                    {
                        error = "--timeout takes a number of seconds between 0 and 900";
                        return null;
                    }

                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    error = $"unknown or incomplete argument '{args[i]}'";
                    return null;
            }
        }

        error = null;
        return new InvokeCommand(eventPath, timeout);
    }
}
