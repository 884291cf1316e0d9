using EscRotators.UnitTests.SecretsManager;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>One fake Secrets Manager per fixture, started before its tests and stopped after them.</summary>
[NonParallelizable]
public abstract class FakeSecretsManagerFixture
{
    internal FakeSecretsManager Fake { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartFake() => Fake = await FakeSecretsManager.StartAsync();

    [OneTimeTearDown]
    public async Task StopFake() => await Fake.DisposeAsync();
}
