using System.Net.Sockets;
using System.Security.Authentication;
using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>
/// Failures both engines share: the network and TLS layers below the drivers, and running out of time.
/// Engines try these first and then map their own server error codes.
/// </summary>
public static class ConnectionFailures
{
    /// <summary>
    /// Maps a socket- or TLS-level cause found anywhere in <paramref name="exception"/>'s inner chain;
    /// null when the failure came from the server itself.
    /// </summary>
    public static RotationFailedException? FromNetwork(Exception exception, DatabaseEndpoint endpoint, string who)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket:
                    return FromSocket(socket, endpoint, who, exception);
                case AuthenticationException:
                    return new RotationFailedException(
                        RotationFailureKind.Tls,
                        $"TLS handshake with {endpoint.Host}:{endpoint.Port} failed while connecting as {who}: {inner.Message}",
                        exception);
                case TimeoutException:
                    return TimedOut(endpoint, who, connected: false, exception);
            }
        }

        return null;
    }

    /// <summary>
    /// The refusal of our certificate check (<see cref="ServerCertificateCheck"/>), which the drivers report only as a
    /// failed handshake; null when the check did not refuse.
    /// </summary>
    public static RotationFailedException? FromCertificateCheck(ServerCertificateCheck check, DatabaseEndpoint endpoint, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(endpoint);
        return check.FailureReason is { } reason
            ? new RotationFailedException(
                RotationFailureKind.Tls,
                $"TLS certificate check ({endpoint.Tls.Mode.ToWireName()}) failed for {endpoint.Host}:{endpoint.Port}: {reason}",
                exception)
            : null;
    }

    /// <summary>
    /// The server did not answer before the time we had ran out. <paramref name="passwordStatementSent"/> says whether
    /// the password change was already on its way, which leaves its outcome unknown.
    /// </summary>
    public static RotationFailedException TimedOut(
        DatabaseEndpoint endpoint,
        string who,
        bool connected,
        Exception? cause = null,
        bool passwordStatementSent = false)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var step = connected ? "to a statement" : "while connecting";
        return new RotationFailedException(
            RotationFailureKind.Timeout,
            $"the database at {endpoint.Host}:{endpoint.Port} did not answer in time ({step}, as {who}); " +
            "check that the rotator can reach it (security groups, network ACLs, VPC routing) and that the Lambda timeout leaves room for a login",
            cause)
        {
            OutcomeUnknown = passwordStatementSent,
        };
    }

    private static RotationFailedException FromSocket(SocketException socket, DatabaseEndpoint endpoint, string who, Exception cause)
    {
        // A driver's own connect timeout aborts the socket: the server was reached but said nothing in time.
        if (socket.SocketErrorCode == SocketError.OperationAborted)
        {
            return TimedOut(endpoint, who, connected: false, cause);
        }

        var address = $"{endpoint.Host}:{endpoint.Port}";
        var (kind, text) = socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused =>
                (RotationFailureKind.Unreachable, $"connection to {address} was refused: is the database running and listening on that port?"),
            SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain =>
                (RotationFailureKind.Unreachable, $"host name {endpoint.Host} could not be resolved: check the host and the VPC's DNS settings"),
            SocketError.TimedOut =>
                (RotationFailureKind.Timeout, $"connection to {address} timed out: check security groups, network ACLs and routing between the rotator and the database"),
            SocketError.NetworkUnreachable or SocketError.HostUnreachable =>
                (RotationFailureKind.Unreachable, $"{address} is unreachable from the rotator: check the Lambda's VPC subnets and routing"),
            SocketError.ConnectionReset or SocketError.ConnectionAborted =>
                (RotationFailureKind.Unreachable, $"{address} closed the connection: check the server's connection limits and whether it allows this client"),
            _ => (RotationFailureKind.Unreachable, $"could not connect to {address}: {socket.SocketErrorCode}"),
        };
        return new RotationFailedException(kind, $"{text} (as {who})", cause);
    }
}
