using EscRotators.Adapter;
using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.Logging;
using EscRotators.Server;

// Entry point: parse, read the environment (a bad one exits 2 before listening), serve until SIGTERM/SIGINT.
switch (args.Length > 0 ? args[0] : null)
{
    case "--help" or "-h" or "help":
        Console.Out.WriteLine(ServerCommandLine.Usage);
        return 0;
    case "--version":
        Console.Out.WriteLine(ServerCommandLine.Version);
        return 0;
}

var options = ServerCommandLine.Parse(args, Environment.GetEnvironmentVariable, out var error);
if (options is null)
{
    Console.Error.WriteLine($"esc-rotator-server: {error}");
    Console.Error.WriteLine(ServerCommandLine.Usage);
    return 2;
}

var level = LogSink.ParseLevel(Environment.GetEnvironmentVariable("ESC_ROTATOR_LOG_LEVEL")) ?? LogLevel.Info;
var logger = new RotatorLogger(new LogSink(Console.Out, LogFormat.Json, level));
ExternalRotationAdapter adapter;
try
{
    adapter = RotatorComposition.CreateServerAdapterFromEnvironment(logger);
}
catch (InvalidConfigurationException ex)
{
    Console.Error.WriteLine($"esc-rotator-server: {ex.Message}");
    return 2;
}

try
{
    await new RotationServer(options, adapter, logger, TimeProvider.System).RunAsync(CancellationToken.None).ConfigureAwait(false);
}
catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
{
    // Address in use, unreadable certificate or key: the message names the file or address, never a secret.
    Console.Error.WriteLine($"esc-rotator-server: cannot start: {ex.Message}");
    return 1;
}

return 0;
