using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A throw-away MariaDB of this test's own, started with <c>--version=8.0.36</c> so that it announces itself as MySQL:
/// loopback only, data under a temporary directory, stopped by its PID.
/// </summary>
internal sealed class VersionOverrideMariaDb : IAsyncDisposable
{
    public const string AnnouncedVersion = "8.0.36";

    private readonly Process _server;
    private readonly string _directory;

    private VersionOverrideMariaDb(Process server, string directory, int port)
    {
        _server = server;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string GeneralLog => Path.Combine(_directory, "general.log");

    private string Socket => Path.Combine(_directory, "mysqld.sock");

    public static async Task<VersionOverrideMariaDb> StartAsync()
    {
        var mariadbd = File.Exists("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd";
        var directory = Path.Combine(Path.GetTempPath(), "esc-mariadb-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        await RunAsync("chown", "-R", "mysql:", directory);
        await RunAsync(
            "mariadb-install-db", "--no-defaults", "--user=mysql", $"--datadir={directory}/data",
            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve");

        var port = FreePort();
        var start = new ProcessStartInfo(mariadbd) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--no-defaults", "--user=mysql", $"--datadir={directory}/data", "--bind-address=127.0.0.1", $"--port={port}",
            $"--socket={directory}/mysqld.sock", $"--pid-file={directory}/mysqld.pid", "--skip-log-bin", "--skip-name-resolve",
            $"--version={AnnouncedVersion}", $"--log-error={directory}/error.log", "--log-output=FILE", "--general-log=ON",
            $"--general-log-file={directory}/general.log", "--innodb-buffer-pool-size=32M",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var server = Process.Start(start) ?? throw new InvalidOperationException("could not start mariadbd");
        var instance = new VersionOverrideMariaDb(server, directory, port);
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                await using var root = await instance.OpenRootAsync();
                return instance;
            }
            catch (MySqlException) when (!server.HasExited)
            {
                await Task.Delay(100);
            }
        }

        await instance.DisposeAsync();
        throw new InvalidOperationException("the MariaDB with an overridden version did not come up");
    }

    /// <summary>root over the Unix socket, with the empty password mariadb-install-db gives it.</summary>
    public async Task<MySqlConnection> OpenRootAsync()
    {
        var settings = new MySqlConnectionStringBuilder
        {
            Server = Socket, ConnectionProtocol = MySqlConnectionProtocol.UnixSocket, UserID = "root", Pooling = false, ConnectionTimeout = 5,
        };
        var connection = new MySqlConnection(settings.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} failed ({process.ExitCode}): {await output}\n{await errors}");
        }
    }
}
