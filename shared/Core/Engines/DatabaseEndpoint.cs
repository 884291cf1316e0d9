using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>Where to connect and as whom: the managing user's side of a rotation.</summary>
/// <param name="ConnectTimeout">Upper bound for opening one connection, derived from the invocation's remaining time.</param>
public sealed record DatabaseEndpoint(
    string Host,
    int Port,
    string Database,
    Credential ManagingUser,
    TlsSettings Tls,
    TimeSpan ConnectTimeout)
{
    /// <summary>
    /// <see cref="ConnectTimeout"/> in the whole seconds drivers take, rounded down so the driver gives up (and closes
    /// its socket) inside the time we have; at least 1, the smallest the drivers accept.
    /// </summary>
    public int ConnectTimeoutSeconds => (int)Math.Clamp(Math.Floor(ConnectTimeout.TotalSeconds), 1, 1024);

    public override string ToString() => $"{Host}:{Port}/{Database}";
}
