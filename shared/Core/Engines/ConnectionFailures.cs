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
    public static RotationFailedException? FromNetwork(Exception exception, FailureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (endpoint, who) = (context.Endpoint, context.Who);
        var lost = false;
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket when context.Step == DatabaseStep.Connecting:
                    return FromSocket(socket, endpoint, who, exception);
                case SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.TimedOut }:
                    return TimedOut(context, exception); // the driver's own timeout aborted the socket
                case AuthenticationException:
                    return new RotationFailedException(
                        RotationFailureKind.Tls,
                        $"TLS handshake with {endpoint.Host}:{endpoint.Port} failed while connecting as {who}: {inner.Message}",
                        exception);
                case TimeoutException:
                    return TimedOut(context, exception);
                case SocketException or IOException:
                    lost = true;
                    break;
            }
        }

        // After login, a broken connection is "lost", and after the password statement that leaves the outcome unknown.
        return lost && context.Step != DatabaseStep.Connecting ? ConnectionLost(context, exception) : null;
    }

    /// <summary>The server did not answer in time, worded for the step that was waiting.</summary>
    public static RotationFailedException TimedOut(FailureContext context, Exception? cause = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Step switch
        {
            DatabaseStep.Connecting =>
                TimedOut(context.Endpoint, context.Who, connected: false, cause),
            DatabaseStep.PasswordSent => new RotationFailedException(
                RotationFailureKind.Timeout,
                $"the database at {context.Address} did not answer the password statement ({context.PasswordStatement}) in time (as {context.Who}); " +
                "it may be waiting for a lock on the user (another session changing or holding it, e.g. an open transaction): " +
                "check pg_stat_activity / SHOW PROCESSLIST for a blocking session, then retry",
                cause)
            {
                OutcomeUnknown = true,
            },
            _ => new RotationFailedException(
                RotationFailureKind.Timeout,
                $"the database at {context.Address} did not answer a statement in time ({DescribeStep(context.Step)}, as {context.Who}); " +
                "nothing was changed; it may be busy or waiting for a lock: retry, or raise the Lambda timeout",
                cause),
        };
    }

    /// <summary>
    /// A failure the engine did not recognise, from the driver or below it (a protocol the driver could not parse,
    /// a closed connection): a 400 naming the endpoint rather than an escaping exception.
    /// </summary>
    public static RotationFailedException Unexpected(string product, Exception exception, FailureContext context)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(context);
        var reason = $"{exception.GetType().Name}: {exception.Message}";
        return context.Step == DatabaseStep.Connecting
            ? new RotationFailedException(
                RotationFailureKind.Unreachable,
                $"could not connect to {product} at {context.Address} as {context.Who}: {reason}; " +
                $"check that host and port point at a {product} server",
                exception)
            : new RotationFailedException(
                RotationFailureKind.ServerError,
                $"{product} at {context.Address} failed {DescribeStep(context.Step)} (as {context.Who}): {reason}",
                exception)
            {
                OutcomeUnknown = context.PasswordStatementSent,
            };
    }

    /// <summary>The connection broke after login, before an answer came.</summary>
    public static RotationFailedException ConnectionLost(FailureContext context, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RotationFailedException(
            RotationFailureKind.Unreachable,
            $"the connection to {context.Address} was lost {DescribeStep(context.Step)} (as {context.Who})",
            cause)
        {
            OutcomeUnknown = context.PasswordStatementSent,
        };
    }

    private static string DescribeStep(DatabaseStep step) => step switch
    {
        DatabaseStep.Connecting => "while connecting",
        DatabaseStep.Claiming => "while claiming the user for this rotation",
        DatabaseStep.CheckingTarget => "while checking the privileges of the user to rotate",
        DatabaseStep.PreparingPassword => "while preparing the password statement",
        DatabaseStep.PasswordSent => "after the password statement was sent",
        _ => "during the check login",
    };

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
