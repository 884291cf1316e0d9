using System.Globalization;
using System.Reflection;

namespace EscRotators.Server;

/// <summary>Parses <c>esc-rotator-server</c>'s arguments.</summary>
internal static class ServerCommandLine
{
    public const string RotationTimeoutVariable = "ESC_ROTATOR_ROTATION_TIMEOUT";

    public const string Usage = """
        esc-rotator-server — EscRotators HTTPS adapter for Pulumi ESC fn::rotate::external

        Usage:
          esc-rotator-server --listen HOST:PORT --tls-cert CERT.pem --tls-key KEY.pem [--rotation-timeout SECONDS]
          esc-rotator-server --listen HOST:PORT --insecure-http      plain HTTP, only behind a TLS-terminating proxy
          esc-rotator-server --help | --version

          --listen             address and port (default 0.0.0.0:8443); HOST may be an IP address, localhost or *
          --tls-cert/--tls-key PEM certificate (chain) and private key; required unless --insecure-http
          --rotation-timeout   seconds one rotation request may take before it is answered (default 30)

        POST /  (any path)   Form C: {"request": ..., "state": ...} with Authorization: Bearer <Pulumi Cloud JWT>
        GET /healthz         200 {"status":"ok"}; no authentication, no database access

        Environment:
          ESC_ROTATOR_AUDIENCE          required: the adapter URL exactly as written in the ESC environment
          ESC_ROTATOR_JWKS_FILE         JWKS JSON file (relative: next to the executable)
          ESC_ROTATOR_JWKS_URL          JWKS URL when no file is given (default https://api.pulumi.com/oidc/.well-known/jwks)
          ESC_ROTATOR_JWKS_CA_BUNDLE    PEM CAs trusted for the JWKS URL instead of the platform store
          ESC_ROTATOR_ISSUERS           comma-separated accepted iss (default https://api.pulumi.com,https://api.pulumi.com/oidc)
          ESC_ROTATOR_ALLOWED_SUBJECTS  comma-separated glob patterns on sub (default: any subject)
          ESC_ROTATOR_ROTATION_TIMEOUT  as --rotation-timeout (the option wins)
          ESC_ROTATOR_TLS_MODE, ESC_ROTATOR_CA_BUNDLE   TLS to the database, as for bootstrap
          ESC_ROTATOR_LOG_LEVEL         TRACE, DEBUG, INFO (default), WARN, ERROR; logs are JSON lines on stdout
        """;

    public static string Version =>
        typeof(ServerCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    /// <summary>The options, or null with <paramref name="error"/> set.</summary>
    public static ServerOptions? Parse(ReadOnlySpan<string> args, Func<string, string?> environment, out string? error)
    {
        var options = new ServerOptions();
        if (environment(RotationTimeoutVariable) is { Length: > 0 } fromEnvironment)
        {
            if (ParseTimeout(fromEnvironment) is not { } timeout)
            {
                error = $"{RotationTimeoutVariable} takes a number of seconds between 1 and 900";
                return null;
            }

            options = options with { RotationTimeout = timeout };
        }

        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--listen" when i + 1 < args.Length:
                    if (!TryParseListen(args[++i], out var host, out var port))
                    {
                        error = "--listen takes HOST:PORT (e.g. 0.0.0.0:8443, 127.0.0.1:8443, [::1]:8443)";
                        return null;
                    }

                    options = options with { Host = host, Port = port };
                    break;
                case "--tls-cert" when i + 1 < args.Length:
                    options = options with { CertificatePath = args[++i] };
                    break;
                case "--tls-key" when i + 1 < args.Length:
                    options = options with { KeyPath = args[++i] };
                    break;
                case "--insecure-http":
                    options = options with { InsecureHttp = true };
                    break;
                case "--rotation-timeout" when i + 1 < args.Length:
                    if (ParseTimeout(args[++i]) is not { } timeout)
                    {
                        error = "--rotation-timeout takes a number of seconds between 1 and 900";
                        return null;
                    }

                    options = options with { RotationTimeout = timeout };
                    break;
                default:
                    error = $"unknown or incomplete argument '{args[i]}'";
                    return null;
            }
        }

        if (!options.InsecureHttp && (options.CertificatePath is null || options.KeyPath is null))
        {
            error = "HTTPS needs --tls-cert and --tls-key (PEM files); --insecure-http serves plain HTTP for a TLS-terminating proxy only";
            return null;
        }

        error = null;
        return options;
    }

    private static TimeSpan? ParseTimeout(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 900
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static bool TryParseListen(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return host.Length > 0;
    }
}
