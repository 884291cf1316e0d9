using System.Diagnostics.CodeAnalysis;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The ESC_TEST_* variables, and what to do when a test cannot get what it needs.</summary>
internal static class TestEnvironment
{
    /// <summary>CI sets ESC_TEST_REQUIRE_SERVERS=1: a missing server is then a failure, never a silent skip.</summary>
    public static bool ServersRequired => Get("ESC_TEST_REQUIRE_SERVERS") == "1";

    public static string? Get(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public static int? GetInt(string name) =>
        int.TryParse(Get(name), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>Fails the test when servers are required, otherwise ignores it with the reason.</summary>
    [DoesNotReturn]
    public static void Unavailable(string reason)
    {
        if (ServersRequired)
        {
            Assert.Fail($"{reason} (ESC_TEST_REQUIRE_SERVERS=1, so this is a failure, not a skip)");
        }

        Assert.Ignore(reason);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// Ignores the test with the reason: the server is there, but not configured the way the test needs (the
    /// configuration in .ci/server/ that scripts/servers.sh applies). Such a test must not run and pass on a server
    /// configured some other way, and a server set up by hand is not a failure of the code under test.
    /// </summary>
    [DoesNotReturn]
    public static void NotConfigured(string reason)
    {
        Assert.Ignore($"{reason} (the test servers' configuration is in .ci/server/; scripts/servers.sh applies it)");
        throw new InvalidOperationException("unreachable");
    }
}
