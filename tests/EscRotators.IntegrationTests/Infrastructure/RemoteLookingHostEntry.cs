namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// Points the host name MySqlConnector treats as remote (<c>mitm-tests.localhost</c>, its own test name) at 127.0.0.1
/// in /etc/hosts for the life of a fixture, so that a fake server on loopback is seen as production sees a server.
/// A line that was there before is left alone; the line this adds is removed again on disposal.
/// </summary>
internal sealed class RemoteLookingHostEntry : IDisposable
{
    private const string HostsFile = "/etc/hosts";
    private const string Line = "127.0.0.1 " + Engines.RogueMySqlServer.RemoteLookingHost + " # EscRotators tests";

    private readonly bool _added;

    private RemoteLookingHostEntry(bool added) => _added = added;

    public static RemoteLookingHostEntry Add()
    {
        var lines = File.ReadAllLines(HostsFile);
        if (lines.Any(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Skip(1).Contains(Engines.RogueMySqlServer.RemoteLookingHost)))
        {
            return new RemoteLookingHostEntry(added: false);
        }

        try
        {
            File.AppendAllText(HostsFile, Line + "\n");
        }
        catch (UnauthorizedAccessException)
        {
            Assert.Fail($"these tests add \"{Line}\" to {HostsFile} and need to run as root (as scripts/test.sh and CI do)");
        }

        return new RemoteLookingHostEntry(added: true);
    }

    public void Dispose()
    {
        if (_added)
        {
            File.WriteAllLines(HostsFile, File.ReadAllLines(HostsFile).Where(line => line != Line));
        }
    }
}
