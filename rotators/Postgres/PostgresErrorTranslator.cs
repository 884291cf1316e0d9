using EscRotators.Engines;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>Turns Npgsql and server errors into messages that say what to fix.</summary>
internal static class PostgresErrorTranslator
{
    public static RotationFailedException Translate(
        Exception exception,
        DatabaseEndpoint endpoint,
        string who,
        ServerCertificateCheck check,
        bool connected)
    {
        var address = $"{endpoint.Host}:{endpoint.Port}";
        if (ConnectionFailures.FromCertificateCheck(check, endpoint, exception) is { } certificate)
        {
            return certificate;
        }

        if (exception is PostgresException server)
        {
            return FromServer(server, endpoint, who);
        }

        if (ConnectionFailures.FromNetwork(exception, endpoint, who) is { } network)
        {
            return network;
        }

        if (exception is NpgsqlException && exception.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase))
        {
            return new RotationFailedException(
                RotationFailureKind.Tls,
                $"{address} does not offer TLS, but tls.mode is {endpoint.Tls.Mode.ToWireName()}: enable ssl on the server or lower the mode",
                exception);
        }

        return connected
            ? new RotationFailedException(RotationFailureKind.ServerError, $"PostgreSQL at {address} failed ({who}): {exception.Message}", exception)
            : new RotationFailedException(RotationFailureKind.Unreachable, $"could not connect to PostgreSQL at {address} as {who}: {exception.Message}", exception);
    }

    private static RotationFailedException FromServer(PostgresException error, DatabaseEndpoint endpoint, string who)
    {
        var address = $"{endpoint.Host}:{endpoint.Port}";
        var detail = string.IsNullOrEmpty(error.Detail) ? "" : $" ({error.Detail})";
        return error.SqlState switch
        {
            PostgresErrorCodes.InvalidPassword => new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{who} could not log in to {address}: password authentication failed (wrong password, or the role may not log in)",
                error),
            PostgresErrorCodes.InvalidAuthorizationSpecification => new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{who} could not log in to {address}: {error.MessageText}; check the role's LOGIN attribute and pg_hba.conf",
                error),
            PostgresErrorCodes.InvalidCatalogName => new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"database {PostgresIdentifiers.Display(endpoint.Database)} does not exist on {address}",
                error),
            PostgresErrorCodes.InsufficientPrivilege => new RotationFailedException(
                RotationFailureKind.Permission,
                $"{who} lacks a privilege on {address}: {error.MessageText}{detail}",
                error),
            PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow => new RotationFailedException(
                RotationFailureKind.Unreachable,
                $"PostgreSQL at {address} refused the connection for now: {error.MessageText}",
                error),
            _ => new RotationFailedException(
                RotationFailureKind.ServerError,
                $"PostgreSQL at {address} reported {error.SqlState} ({who}): {error.MessageText}{detail}",
                error),
        };
    }
}
