namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The test servers' configuration files in the repository (<c>.ci/server/</c>), which scripts/servers.sh gives the
/// local servers and the Testcontainers path copies into its containers.
/// </summary>
internal static class ServerConfiguration
{
    private static readonly Lazy<string?> Root = new(Find);

    /// <summary>
    /// The full path of <paramref name="relativePath"/> under <c>.ci/server/</c>. When the test run cannot see the
    /// repository's configuration (ESC_TEST_SERVER_CONFIG unset and no <c>.ci/server</c> above the test binaries),
    /// the test is ignored with the reason: it must not run against a server configured some other way and pass.
    /// </summary>
    public static string FileOrIgnore(string relativePath)
    {
        var path = Root.Value is { } root ? System.IO.Path.Combine(root, relativePath) : null;
        if (path is null || !File.Exists(path))
        {
            TestEnvironment.NotConfigured(
                $".ci/server/{relativePath} is not reachable from {AppContext.BaseDirectory} (set ESC_TEST_SERVER_CONFIG to the repository's .ci/server directory)");
        }

        return path;
    }

    private static string? Find()
    {
        if (TestEnvironment.Get("ESC_TEST_SERVER_CONFIG") is { } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, ".ci", "server");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
