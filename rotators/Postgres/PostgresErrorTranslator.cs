using EscRotators.Engines;
using EscRotators.Tls;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>Turns Npgsql and server errors into messages that say what to fix; null for what it does not know.</summary>
internal static class PostgresErrorTranslator
{
    public static RotationFailedException? Translate(Exception exception, FailureContext context)
    {
        if (exception is PostgresException server)
        {
            return FromServer(server, context);
        }

        if (exception is NpgsqlException && exception.Message.Contains("authentication method is not allowed", StringComparison.OrdinalIgnoreCase))
        {
            return new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{context.Address} asked {context.Who} for the password in cleartext on a connection that may be unencrypted " +
                $"(tls.mode {context.Endpoint.Tls.Mode.ToWireName()}); the rotator refuses to send it: configure scram-sha-256 in pg_hba.conf, " +
                "or use tls.mode verify-full (or require) so the password travels only inside TLS",
                exception);
        }

        // Only a mode that insists on TLS can fail for want of it; in prefer a garbled answer to the TLS request
        // means the port does not speak PostgreSQL at all, which the generic message says.
        if (exception is NpgsqlException
            && context.Step == DatabaseStep.Connecting
            && context.Endpoint.Tls.Mode is not (TlsMode.Disable or TlsMode.Prefer)
            && exception.InnerException is null
            && exception.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase))
        {
            return new RotationFailedException(
                RotationFailureKind.Tls,
                $"{context.Address} does not offer TLS, but tls.mode is {context.Endpoint.Tls.Mode.ToWireName()}: enable ssl on the server or lower the mode",
                exception);
        }

        return null;
    }

    private static RotationFailedException FromServer(PostgresException error, FailureContext context)
    {
        var (address, who) = (context.Address, context.Who);
        var detail = string.IsNullOrEmpty(error.Detail) ? "" : $" ({error.Detail})";
        var changing = context.Step is DatabaseStep.PreparingPassword or DatabaseStep.PasswordSent;
        if (changing && error.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            var role = PostgresIdentifiers.Display(context.RotatedUser);
            var manager = PostgresIdentifiers.Display(context.Endpoint.ManagingUser.Username);
            return new RotationFailedException(
                RotationFailureKind.Permission,
                $"{who} may not change the password of role {role}: {error.MessageText}. " +
                $"Grant it with: ALTER ROLE {manager} CREATEROLE; GRANT {role} TO {manager} WITH ADMIN OPTION; " +
                "(PostgreSQL 16+ requires the ADMIN OPTION; a SUPERUSER role can only be changed by a superuser)",
                error);
        }

        if (error.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            return ConnectionFailures.TimedOut(context, error);
        }

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
                $"database {PostgresIdentifiers.Display(context.Endpoint.Database)} does not exist on {address}",
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
