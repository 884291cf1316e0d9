using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>A running <c>esc-rotator-server</c> on 127.0.0.1, its output captured line by line; stopped by its own PID.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri Url => new($"https://127.0.0.1:{Port}/");

    public string Log => string.Join('\n', _lines);

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>
    /// The lines containing <paramref name="text"/> once there are <paramref name="count"/> of them, or after 5 s.
    /// The server writes a request's access line after the reply has gone, so a test that just got its reply waits.
    /// </summary>
    public async Task<IReadOnlyList<string>> LinesOnceThereAreAsync(string text, int count)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        List<string> matching;
        while ((matching = [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))]).Count < count && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        return matching;
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the server with <paramref name="arguments"/> (--listen is added) in a clean environment plus <paramref name="environment"/>.</summary>
    public static async Task<ServerProcess> StartAsync(
        IReadOnlyDictionary<string, string> environment,
        IEnumerable<string> arguments,
        bool waitUntilListening = true)
    {
        var path = await PublishedExecutable.Server.GetPathAsync();
        var port = UnusedPort.Find();
        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        TestRotatorDefaults.AddTo(start.Environment);

        start.ArgumentList.Add("--listen");
        start.ArgumentList.Add($"127.0.0.1:{port}");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitUntilListening)
        {
            var exited = process.WaitForExitAsync();
            var first = await Task.WhenAny(server._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
            if (first != server._listening.Task)
            {
                var log = server.Log;
                await server.DisposeAsync();
                Assert.Fail($"esc-rotator-server did not start listening:\n{log}");
            }
        }

        return server;
    }

    public async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as a container runtime or systemd stops it.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            if (!await WaitForExitAsync(TimeSpan.FromSeconds(10)))
            {
                _process.Kill();
                await WaitForExitAsync(TimeSpan.FromSeconds(5));
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (line.Contains("\"message\":\"listening\"", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }
}
