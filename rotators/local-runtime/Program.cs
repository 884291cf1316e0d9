using EscRotators.LocalRuntime;

// EscRotators.LocalRuntime --bootstrap PATH [--timeout-ms N] [--env K=V ...] [--report FILE] [--success code200|response] [EVENT_FILE ...]
var commandLine = HostCommandLine.Parse(args, out var error);
if (commandLine is null)
{
    if (error is null)
    {
        Console.Out.WriteLine(HostCommandLine.Usage);
        return LocalRuntimeCommand.AllOk;
    }

    Console.Error.WriteLine($"local-runtime: {error}");
    Console.Error.WriteLine(HostCommandLine.Usage);
    return LocalRuntimeCommand.UsageOrHostError;
}

// Ctrl-C / SIGTERM: stop waiting, and let disposal kill the bootstrap this host started.
using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

try
{
    return await new LocalRuntimeCommand(commandLine, Console.Out, Console.Error).RunAsync(Console.In, stopping.Token);
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.Error.WriteLine("local-runtime: interrupted");
    return LocalRuntimeCommand.UsageOrHostError;
}
