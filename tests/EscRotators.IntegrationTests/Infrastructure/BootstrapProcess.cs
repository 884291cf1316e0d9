using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// Runs the built <c>bootstrap invoke --event FILE</c> as a child process: the reply from stdout, the log from stderr,
/// and the exit code. The test project references the bootstrap project, so bootstrap sits next to the test assembly.
/// </summary>
public static class BootstrapProcess
{
    /// <summary>Variables that change bootstrap's behaviour; cleared unless a test sets them.</summary>
    private static readonly string[] IsolatedVariables =
    [
        "AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL", "AWS_LAMBDA_RUNTIME_API", "ESC_ROTATOR_TLS_MODE", "ESC_ROTATOR_CA_BUNDLE",
    ];

    private static readonly Lazy<(string FileName, string[] Prefix)> Executable = new(Locate);

    public static Task<RotatorRun> RunAsync(JsonNode evt, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArguments) =>
        RunAsync(EventJson.ToUtf8(evt), environment, extraArguments);

    public static async Task<RotatorRun> RunAsync(byte[] payload, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArguments)
    {
        var eventFile = Path.Combine(Path.GetTempPath(), $"esc-event-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(eventFile, payload).ConfigureAwait(false);
        try
        {
            var (fileName, prefix) = Executable.Value;
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            foreach (var argument in prefix.Concat(["invoke", "--event", eventFile]).Concat(extraArguments))
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var name in IsolatedVariables)
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            TestRotatorDefaults.AddTo(start.Environment);

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"bootstrap invoke did not exit within 60 s; stderr so far:\n{(stderr.IsCompleted ? await stderr.ConfigureAwait(false) : "")}");
            }

            var result = RotatorRun.From(await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), process.ExitCode);
            LogGuard.AssertNoPasswordsIn(result, payload);
            return result;
        }
        finally
        {
            File.Delete(eventFile);
        }
    }

    private static (string, string[]) Locate()
    {
        var directory = AppContext.BaseDirectory;
        var appHost = Path.Combine(directory, OperatingSystem.IsWindows() ? "bootstrap.exe" : "bootstrap");
        if (File.Exists(appHost))
        {
            return (appHost, []);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var dll = Path.Combine(directory, "bootstrap.dll");
        if (File.Exists(dll))
        {
            return (dotnet, [dll]);
        }

        // Not copied: fall back to the bootstrap project's own output for this configuration.
        var configuration = typeof(BootstrapProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var output = Path.Combine(dir.FullName, "rotators", "bootstrap", "bin", configuration, "net10.0");
            if (File.Exists(Path.Combine(output, "bootstrap.dll")))
            {
                return File.Exists(Path.Combine(output, "bootstrap")) ? (Path.Combine(output, "bootstrap"), []) : (dotnet, [Path.Combine(output, "bootstrap.dll")]);
            }
        }

        throw new FileNotFoundException($"bootstrap was not found next to the tests ({directory}) nor in rotators/bootstrap/bin/{configuration}/net10.0");
    }
}
