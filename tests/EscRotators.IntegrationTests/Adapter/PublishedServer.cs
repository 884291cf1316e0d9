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

    private static readonly PublishedExecutable Server =
        new("esc-rotator-server", PathVariable, "build-server.sh", "server-tests", "adapter");

    public static Task<string> GetPathAsync() => Server.GetPathAsync();
}
