using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// Servers start lazily, on the first test that needs one (so a filtered run starts only what it uses);
/// containers started for the run are removed once at its end.
/// </summary>
[SetUpFixture]
public sealed class TestRunLifetime
{
    [OneTimeTearDown]
    public async Task RemoveContainersAsync() => await StartedContainers.DisposeAllAsync();
}
