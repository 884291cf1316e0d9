using System.Net;
using System.Net.Sockets;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Loopback ports for failure tests.</summary>
internal static class UnusedPort
{
    /// <summary>A loopback port nothing listens on (bound, read, released).</summary>
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
