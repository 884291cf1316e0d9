using System.Diagnostics;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// A Native AOT executable exactly as it ships: the file named by <see cref="PathVariable"/> when set (so CI and
/// scripts/test.sh publish once for every consumer), otherwise published once per test run by its build script
/// into &lt;repo&gt;/.run/&lt;outDirName&gt;/bin.
/// </summary>
internal sealed class PublishedExecutable
{
    /// <summary>The Lambda <c>bootstrap</c>: ESC_TEST_BOOTSTRAP, or scripts/build-bootstrap.sh into .run/lambda-tests/bin.</summary>
    public static readonly PublishedExecutable Bootstrap =
        new("bootstrap", "ESC_TEST_BOOTSTRAP", "build-bootstrap.sh", "lambda-tests", "lambda");

    /// <summary>The HTTPS adapter <c>esc-rotator-server</c>: ESC_TEST_SERVER, or scripts/build-server.sh into .run/server-tests/bin.</summary>
    public static readonly PublishedExecutable Server =
        new("esc-rotator-server", "ESC_TEST_SERVER", "build-server.sh", "server-tests", "adapter");

    // Native AOT on a busy two-core machine takes a few minutes; a hung publish must still end the run.
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(15);

    private readonly string _name;
    private readonly string _buildScript;
    private readonly string _outDirName;
    private readonly string _logTag;
    private readonly Lazy<Task<(string? Path, string? Failure)>> _published;

    /// <param name="name">What is published, as messages name it (e.g. <c>bootstrap</c>).</param>
    /// <param name="pathVariable">The environment variable naming an already published file.</param>
    /// <param name="buildScript">The script under scripts/ that publishes it into its first argument and prints its path.</param>
    /// <param name="outDirName">The folder under &lt;repo&gt;/.run/ to publish into.</param>
    /// <param name="logTag">The prefix of progress lines.</param>
    private PublishedExecutable(string name, string pathVariable, string buildScript, string outDirName, string logTag)
    {
        _name = name;
        PathVariable = pathVariable;
        _buildScript = buildScript;
        _outDirName = outDirName;
        _logTag = logTag;
        _published = new(FindOrPublishAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string PathVariable { get; }

    /// <summary>The path of the executable; fails the test when it cannot be had (a broken publish is a real failure).</summary>
    public async Task<string> GetPathAsync()
    {
        var (path, failure) = await _published.Value.ConfigureAwait(false);
        if (path is null)
        {
            Assert.Fail(failure ?? $"{_name} is not available");
        }

        return path!;
    }

    private async Task<(string?, string?)> FindOrPublishAsync()
    {
        if (TestEnvironment.Get(PathVariable) is { } given)
        {
            return File.Exists(given) ? (Path.GetFullPath(given), null) : (null, $"{PathVariable}={given}: no such file");
        }

        var script = $"scripts/{_buildScript}";
        var repository = FindRepository();
        if (repository is null)
        {
            return (null, $"cannot find {script} above {AppContext.BaseDirectory}; set {PathVariable} to a published {_name}");
        }

        var outDir = Path.Combine(repository, ".run", _outDirName, "bin");
        var start = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repository,
        };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", _buildScript));
        start.ArgumentList.Add(outDir);

        // `dotnet test` leaves MSBuild/VSTest variables behind that would steer the nested `dotnet publish`.
        foreach (var name in start.Environment.Keys.Where(IsBuildHostVariable).ToList())
        {
            start.Environment.Remove(name);
        }

        TestContext.Progress.WriteLine($"[{_logTag}] publishing {_name} (Native AOT) into {outDir} ...");
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
                return (null, $"{script} did not finish within {PublishLimit.TotalMinutes} minutes");
            }
        }

        var output = (await stdout.ConfigureAwait(false)).Trim();
        var errors = await stderr.ConfigureAwait(false);
        var executable = output.Split('\n').LastOrDefault()?.Trim();
        if (process.ExitCode != 0 || executable is null || !File.Exists(executable))
        {
            return (null, $"{script} failed (exit {process.ExitCode}):\n{output}\n{errors}");
        }

        TestContext.Progress.WriteLine($"[{_logTag}] published {executable} in {clock.Elapsed.TotalSeconds:0} s");
        return (executable, null);
    }

    private static bool IsBuildHostVariable(string name) =>
        name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase);

    private string? FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", _buildScript)))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
