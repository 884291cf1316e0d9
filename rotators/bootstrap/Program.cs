using EscRotators.Bootstrap;

// Entry point: `invoke` for local use, otherwise the Lambda Runtime API loop.
switch (args.Length > 0 ? args[0] : null)
{
    case "--help" or "-h" or "help":
        Console.Out.WriteLine(CommandLine.Usage);
        return 0;
    case "--version":
        Console.Out.WriteLine(CommandLine.Version);
        return 0;
    case "invoke":
        var invoke = CommandLine.ParseInvoke(args.AsSpan(1), out var error);
        if (invoke is null)
        {
            Console.Error.WriteLine($"bootstrap invoke: {error}");
            Console.Error.WriteLine(CommandLine.Usage);
            return 2;
        }

        using (var stdin = Console.OpenStandardInput())
        using (var stdout = Console.OpenStandardOutput())
        {
            return await invoke.RunAsync(stdin, stdout, Console.Error).ConfigureAwait(false);
        }

    case null when Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API") is { Length: > 0 }:
        return await LambdaCommand.RunAsync().ConfigureAwait(false);
    default:
        Console.Error.WriteLine(args.Length == 0
            ? "bootstrap: AWS_LAMBDA_RUNTIME_API is not set; to rotate locally use `bootstrap invoke`"
            : $"bootstrap: unknown command '{args[0]}'");
        Console.Error.WriteLine(CommandLine.Usage);
        return 2;
}
