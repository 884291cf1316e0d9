using DotNet.Testcontainers.Containers;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Containers started for this test run (only when no server was given through ESC_TEST_*).</summary>
internal static class StartedContainers
{
    private static readonly List<IContainer> Containers = [];
    private static readonly Lock Gate = new();

    public static void Add(IContainer container)
    {
        lock (Gate)
        {
            Containers.Add(container);
        }
    }

    public static async Task DisposeAllAsync()
    {
        IContainer[] started;
        lock (Gate)
        {
            started = [.. Containers];
            Containers.Clear();
        }

        foreach (var container in started)
        {
            await container.DisposeAsync().ConfigureAwait(false);
        }
    }
}
