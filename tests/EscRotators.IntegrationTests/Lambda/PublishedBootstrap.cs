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

    private static readonly PublishedExecutable Bootstrap =
        new("bootstrap", PathVariable, "build-bootstrap.sh", "lambda-tests", "lambda");

    /// <summary>The path of bootstrap; fails the test when it cannot be had (a broken publish is a real failure).</summary>
    public static Task<string> GetPathAsync() => Bootstrap.GetPathAsync();
}
