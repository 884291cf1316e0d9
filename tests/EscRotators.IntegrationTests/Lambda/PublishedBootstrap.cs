using System.Diagnostics;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Lambda;

/// <summary>
/// The Native AOT <c>bootstrap</c> exactly as it ships: the file named by ESC_TEST_BOOTSTRAP when set (so CI
/// publishes once for every consumer), otherwise published once per test run with scripts/build-bootstrap.sh
/// into &lt;repo&gt;/.run/lambda-tests/bin.
/// </summary>
internal static class PublishedBootstrap
{
    public const string PathVariable = "ESC_TEST_BOOTSTRAP";

    // Native AOT on a busy two-core machine takes a few minutes; a hung publish must still end the run.
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(15);

    private static readonly Lazy<Task<(string? Path, string? Failure)>> Published =
        new(FindOrPublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of bootstrap; fails the test when it cannot be had (a broken publish is a real failure).</summary>
    public static async Task<string> GetPathAsync()
    {
        var (path, failure) = await Published.Value.ConfigureAwait(false);
        if (path is null)
        {
            Assert.Fail(failure ?? "bootstrap is not available");
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
            return (null, $"cannot find scripts/build-bootstrap.sh above {AppContext.BaseDirectory}; set {PathVariable} to a published bootstrap");
        }

        var outDir = Path.Combine(repository, ".run", "lambda-tests", "bin");
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repository,
        };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", "build-bootstrap.sh"));
        start.ArgumentList.Add(outDir);

        // `dotnet test` leaves MSBuild/VSTest variables behind that would steer the nested `dotnet publish`.
        foreach (var name in start.Environment.Keys.Where(IsBuildHostVariable).ToList())
        {
            start.Environment.Remove(name);
        }

        TestContext.Progress.WriteLine($"[lambda] publishing bootstrap (Native AOT) into {outDir} ...");
        var clock = Stopwatch.StartNew();
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
                // Only what this fixture started: the script and the dotnet publish under it.
                process.Kill(entireProcessTree: true);
                return (null, $"scripts/build-bootstrap.sh did not finish within {PublishLimit.TotalMinutes} minutes");
            }
        }

        var output = (await stdout.ConfigureAwait(false)).Trim();
        var errors = await stderr.ConfigureAwait(false);
        var bootstrap = output.Split('\n').LastOrDefault()?.Trim();
        if (process.ExitCode != 0 || bootstrap is null || !File.Exists(bootstrap))
        {
            return (null, $"scripts/build-bootstrap.sh failed (exit {process.ExitCode}):\n{output}\n{errors}");
        }

        TestContext.Progress.WriteLine($"[lambda] published {bootstrap} in {clock.Elapsed.TotalSeconds:0} s");
        return (bootstrap, null);
    }

    private static bool IsBuildHostVariable(string name) =>
        name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase);

    private static string? FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "build-bootstrap.sh")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
