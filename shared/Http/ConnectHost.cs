namespace EscRotators.Http;

/// <summary>The host of a URL as sockets and TLS take it: IDN-encoded, and an IPv6 literal without its brackets.</summary>
internal static class ConnectHost
{
    public static string Of(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.HostNameType == UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.IdnHost;
    }
}
