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
    public override string ToString() => $"{Host}:{Port}/{Database}";
}
