using System.Diagnostics;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// The Native AOT <c>esc-rotator-server</c> as it ships: the file named by ESC_TEST_SERVER when set (scripts/test.sh
/// publishes it once), otherwise published once per test run with scripts/build-server.sh into
/// &lt;repo&gt;/.run/server-tests/bin.
/// </summary>
internal static class PublishedServer
{
    public const string PathVariable = "ESC_TEST_SERVER";

    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(15);

    private static readonly Lazy<Task<(string? Path, string? Failure)>> Published =
        new(FindOrPublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static async Task<string> GetPathAsync()
    {
        var (path, failure) = await Published.Value.ConfigureAwait(false);
        if (path is null)
        {
            Assert.Fail(failure ?? "esc-rotator-server is not available");
        }

        return path!;
    }

    private static async Task<(string?, string?)> FindOrPublishAsync()
    {
        if (TestEnvironment.Get(PathVariable) is { } given)
        {
            return File.Exists(given) ? (Path.GetFullPath(given), null) : (null, $"{PathVariable}={given}: no such file");
        }

        var repository = FindRepository();
        if (repository is null)
        {
            return (null, $"cannot find scripts/build-server.sh above {AppContext.BaseDirectory}; set {PathVariable}");
        }

        var outDir = Path.Combine(repository, ".run", "server-tests", "bin");
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repository,
        };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", "build-server.sh"));
        start.ArgumentList.Add(outDir);
        foreach (var name in start.Environment.Keys.Where(n =>
                     n.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || n.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        TestContext.Progress.WriteLine($"[adapter] publishing esc-rotator-server (Native AOT) into {outDir} ...");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(PublishLimit))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (null, $"scripts/build-server.sh did not finish within {PublishLimit.TotalMinutes} minutes");
            }
        }

        var output = (await stdout.ConfigureAwait(false)).Trim();
        var server = output.Split('\n').LastOrDefault()?.Trim();
        return process.ExitCode == 0 && server is not null && File.Exists(server)
            ? (server, null)
            : (null, $"scripts/build-server.sh failed (exit {process.ExitCode}):\n{output}\n{await stderr.ConfigureAwait(false)}");
    }

    private static string? FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "build-server.sh")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
