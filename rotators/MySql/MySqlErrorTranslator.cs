using System.Security.Authentication;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>Turns MySqlConnector and server errors into messages that say what to fix.</summary>
internal static class MySqlErrorTranslator
{
    private const int NotValidPassword = 1819; // ER_NOT_VALID_PASSWORD (validate_password)
    private const int MaxMethodLength = 64;

    /// <summary>An error the server sent in answer to a statement or login (it carries an SQLSTATE), not one the driver made up.</summary>
    public static bool IsServerAnswer(Exception exception) =>
        exception is MySqlException { ErrorCode: not (MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.CommandTimeoutExpired), SqlState.Length: 5 } server
        && server.Number > 0
        && server.InnerException is null;

    public static RotationFailedException? Translate(Exception exception, FailureContext context)
    {
        var (endpoint, who, address) = (context.Endpoint, context.Who, context.Address);
        if (exception is MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.QueryInterrupted })
        {
            return ConnectionFailures.TimedOut(context, exception);
        }

        if (IsServerAnswer(exception))
        {
            return FromServer((MySqlException)exception, context);
        }

        if (exception is NotSupportedException && QuotedMethod(exception.Message) is { } unsupported)
        {
            return new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{address} asked {who} to log in with the authentication method {unsupported}, which the rotator does not support; " +
                "give the account mysql_native_password or caching_sha2_password",
                exception);
        }

        if (exception is not MySqlException)
        {
            return null;
        }

        var message = exception.Message;
        if (PasswordMethodRefused(message) is { } method)
        {
            return new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{address} asked {who} for the password itself ({method}); the rotator sends a password only over TLS to a server " +
                $"whose certificate it has verified, and sent nothing (tls.mode {endpoint.Tls.Mode.ToWireName()}): use tls.mode verify-full " +
                "(or verify-ca) with the server's CA bundle (tls.caBundle or ESC_ROTATOR_CA_BUNDLE). MySQL 8 asks for the password itself " +
                "whenever a caching_sha2_password account needs a full login, such as the first login after a password change",
                exception);
        }

        if (endpoint.Tls.Mode is TlsMode.Prefer or TlsMode.Require && IsUnverifiedAfterLogin(exception))
        {
            return new RotationFailedException(
                RotationFailureKind.Tls,
                $"the TLS certificate of {address} could not be verified, and the server did not prove after the login that it knows " +
                $"the password of {who} (MariaDB 11.4 and later do); with tls.mode {endpoint.Tls.Mode.ToWireName()} the rotator goes no further " +
                "with such a server: use tls.mode verify-full (or verify-ca) with the server's CA bundle (tls.caBundle or ESC_ROTATOR_CA_BUNDLE)",
                exception);
        }

        if (context.Step == DatabaseStep.Connecting
            && (message.Contains("SSL", StringComparison.OrdinalIgnoreCase) || message.Contains("TLS", StringComparison.Ordinal)))
        {
            return new RotationFailedException(
                RotationFailureKind.Tls,
                $"TLS to {address} failed with tls.mode {endpoint.Tls.Mode.ToWireName()} ({who}): {message}; " +
                "enable TLS on the server (ssl_cert, ssl_key) or lower the mode",
                exception);
        }

        // MySqlConnector reports refused connections and unknown host names alike, without the socket error.
        if (exception is MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost, InnerException: null } && context.Step == DatabaseStep.Connecting)
        {
            return new RotationFailedException(
                RotationFailureKind.Unreachable,
                $"could not connect to {address} (as {who}): the connection was refused or the host name did not resolve; " +
                "check that the database is running and listening on that port, the host name, and the security groups between the rotator and the database",
                exception);
        }

        return null;
    }

    /// <summary>True when the driver refused a TLS connection to prefer's fallback: the server offered no TLS, and nothing was sent.</summary>
    public static bool IsNoTlsOffered(MySqlException exception) =>
        exception is { ErrorCode: MySqlErrorCode.UnableToConnectToHost, InnerException: null }
        && exception.Message.Equals("Server does not support SSL", StringComparison.Ordinal);

    // MySqlConnector's refusals to send a password to a server it has not verified: a cleartext or full login over
    // unverified TLS, and an RSA key fetched over plaintext.
    private static string? PasswordMethodRefused(string message) =>
        message.StartsWith("Authentication method '", StringComparison.Ordinal)
        && (message.Contains("requires a secure connection with a verified server certificate", StringComparison.Ordinal)
            || message.Contains("Either use a secure connection", StringComparison.Ordinal))
            ? QuotedMethod(message)
            : null;

    // After a hash-based login, MySqlConnector's VerifyCA mode rejects a chain it could not verify unless the server
    // proved its identity.
    private static bool IsUnverifiedAfterLogin(Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost, InnerException: AuthenticationException rejected }
        && rejected.Message.StartsWith("The remote certificate was rejected", StringComparison.Ordinal);

    // The method name comes from the server: bounded and escaped before it reaches a message.
    private static string? QuotedMethod(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        if (end < 0)
        {
            return null;
        }

        return PrintableText.Quote(message[(start + 1)..end], MaxMethodLength);
    }

    private static RotationFailedException FromServer(MySqlException error, FailureContext context)
    {
        var (endpoint, who, address, rotatedUser) = (context.Endpoint, context.Who, context.Address, context.RotatedUser);
        var statementHasSecret = context.Step is DatabaseStep.PasswordSent;
        var manager = MySqlAccounts.Display(endpoint.ManagingUser.Username);
        var account = rotatedUser is null ? "the account" : MySqlAccounts.Display(rotatedUser);
        var database = "`" + endpoint.Database.Replace("`", "``", StringComparison.Ordinal) + "`";
        return error.ErrorCode switch
        {
            MySqlErrorCode.AccessDenied => new RotationFailedException(
                RotationFailureKind.Authentication,
                $"{who} could not log in to {address}: access denied (wrong password, or the account does not allow connections from the rotator's address)",
                error),
            // Without global rights MariaDB answers 1044 for a database that does not exist, too.
            MySqlErrorCode.DatabaseAccessDenied => new RotationFailedException(
                RotationFailureKind.Permission,
                $"{who} may not use database {database} on {address}: either it does not exist, or the grant is missing " +
                $"(GRANT ALTER ON {database}.* TO {manager};)",
                error),
            MySqlErrorCode.UnknownDatabase => new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"database {database} does not exist on {address}",
                error),
            MySqlErrorCode.SpecifiedAccessDeniedError => new RotationFailedException(
                RotationFailureKind.Permission,
                $"{who} may not change passwords on {address}: GRANT CREATE USER ON *.* TO {manager};",
                error),
            MySqlErrorCode.CannotUser => new RotationFailedException(
                RotationFailureKind.UnknownUser,
                $"account {account} does not exist on {address} (ALTER USER failed): create it with CREATE USER, or correct the user name; the rotator changes '<user>'@'%' accounts",
                error),
            MySqlErrorCode.WrongStringLength => new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"the user name is too long for {address} (MySQL allows 32 characters; MariaDB 80 before 10.6, 128 since)",
                error),
            _ when error.Number == NotValidPassword => new RotationFailedException(
                RotationFailureKind.InvalidTarget,
                $"the server's password policy (validate_password) rejected the new password on {address}: use a longer password or add symbols (inputs.passwordPolicy)",
                error),
            // Server texts such as ER_PARSE_ERROR quote the statement, and with it the password literal.
            _ when statementHasSecret => new RotationFailedException(
                RotationFailureKind.ServerError,
                $"MySQL at {address} refused {context.PasswordStatement} with error {error.Number} (SQLSTATE {error.SqlState}) ({who}); " +
                "the server's text is withheld because it may quote the password",
                error),
            _ => new RotationFailedException(
                RotationFailureKind.ServerError,
                $"MySQL at {address} reported error {error.Number} ({who}): {error.Message}",
                error),
        };
    }
}
