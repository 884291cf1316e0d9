using System.Net;
using System.Net.Sockets;
using EscRotators.Engines;
using EscRotators.Protocol;
using EscRotators.Tls;

namespace EscRotators.Rotation;

/// <summary>
/// Turns a parsed <see cref="RotationEvent"/> into a <see cref="ConnectorRequest"/> or <see cref="FullRotationRequest"/>, or throws
/// <see cref="InvalidRequestException"/> naming the offending field (never its value).
/// </summary>
public sealed class RequestValidator
{
    /// <summary>The exact Form A message of Pulumi's Go lambda for a missing <c>newPassword</c>.</summary>
    public const string NoPasswordMessage = "no password provided";

    private readonly TlsSettings _defaultTls;

    public RequestValidator(TlsSettings defaultTls)
    {
        _defaultTls = defaultTls;
    }

    /// <summary>
    /// Validates <paramref name="evt"/> as Form B when it names <c>inputs</c>, otherwise as Form A.
    /// <paramref name="requiresDatabase"/>: whether the engine needs <c>database</c> to log in (PostgreSQL does;
    /// MySQL's <c>ALTER USER</c> needs no default database).
    /// </summary>
    public RotationRequest Validate(RotationEvent evt, bool requiresDatabase)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return evt.HasInputs
            ? ValidateFullRotation(evt.Inputs?.Database, evt.Inputs?.RotateUsers, evt.Inputs?.PasswordPolicy, Stored(evt.State?.Current), Stored(evt.State?.Previous), requiresDatabase)
            : ValidateConnectorRequest(evt, requiresDatabase);
    }

    /// <summary>
    /// A full rotation from Form B's <c>inputs</c> fields, which Form C's <c>request</c> carries at its top level.
    /// Errors name the fields as Form B does (<c>inputs.database.host</c>).
    /// </summary>
    public FullRotationRequest ValidateFullRotation(
        WireDatabase? database,
        WireRotateUsers? users,
        WirePasswordPolicy? policy,
        StoredCredential? current,
        StoredCredential? previous,
        bool requiresDatabase)
    {
        const string Prefix = "inputs.database.";
        if (database is null)
        {
            throw new InvalidRequestException("inputs.database is required");
        }

        var endpoint = Endpoint(database.Host, database.Port, database.Database, database.ManagingUser?.Username, database.ManagingUser?.Password, database.Tls, Prefix, requiresDatabase);
        if (users is null)
        {
            throw new InvalidRequestException("inputs.rotateUsers is required");
        }

        var username1 = Username(users.Username1, "inputs.rotateUsers.username1");
        var username2 = Username(users.Username2, "inputs.rotateUsers.username2");
        if (string.Equals(username1, username2, StringComparison.Ordinal))
        {
            throw new InvalidRequestException(
                "inputs.rotateUsers.username1 and inputs.rotateUsers.username2 must name two different users");
        }

        return new FullRotationRequest(endpoint, username1, username2, current, previous, Policy(policy));
    }

    private ConnectorRequest ValidateConnectorRequest(RotationEvent evt, bool requiresDatabase)
    {
        // Checked first, as the Go lambda does: an empty password would leave a MySQL account open.
        var newPassword = evt.RotateUser?.NewPassword;
        if (string.IsNullOrEmpty(newPassword))
        {
            throw new InvalidRequestException(NoPasswordMessage);
        }

        RejectNul(newPassword, "rotateUser.newPassword");
        var endpoint = Endpoint(evt.Host, evt.Port, evt.Database, evt.ManagingUser?.Username, evt.ManagingUser?.Password, evt.Tls, "", requiresDatabase);
        return new ConnectorRequest(endpoint, Username(evt.RotateUser?.Username, "rotateUser.username"), newPassword);
    }

    private static StoredCredential? Stored(WireCredentials? credentials) =>
        credentials is null ? null : new StoredCredential(credentials.Username, credentials.Password);

    private DatabaseEndpoint Endpoint(
        string? hostName,
        int? portNumber,
        string? databaseName,
        string? managingUsername,
        string? managingPassword,
        WireTls? tls,
        string prefix,
        bool requiresDatabase)
    {
        var host = ValidHost(hostName, prefix + "host");
        if (portNumber is not { } port)
        {
            throw new InvalidRequestException($"{prefix}port is required");
        }

        if (port is < 1 or > 65535)
        {
            throw new InvalidRequestException($"{prefix}port must be between 1 and 65535");
        }

        // MySQL: empty or absent means no default database, as in Pulumi's Go lambda.
        var name = string.IsNullOrWhiteSpace(databaseName) ? "" : databaseName;
        if (requiresDatabase && name.Length == 0)
        {
            throw new InvalidRequestException($"{prefix}database is required");
        }

        RejectNul(name, prefix + "database");
        var username = Username(managingUsername, prefix + "managingUser.username");
        if (string.IsNullOrEmpty(managingPassword))
        {
            throw new InvalidRequestException($"{prefix}managingUser.password is required");
        }

        RejectNul(managingPassword, prefix + "managingUser.password");
        return new DatabaseEndpoint(host, port, name, new Credential(username, managingPassword), TlsFor(tls, prefix + "tls"), TimeSpan.Zero);
    }

    // Exactly one host: the drivers read "a,b" as a list (MySqlConnector round-robins it, so the ALTER and the check
    // login could reach different servers) and "host:port" as a port that overrides ours.
    /// <summary>One host name or IP address, trimmed; <paramref name="field"/> names it in the error.</summary>
    public static string ValidHost(string? value, string field)
    {
        var host = value?.Trim();
        if (string.IsNullOrEmpty(host))
        {
            throw new InvalidRequestException($"{field} is required");
        }

        if (host.Contains(',', StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"{field} must name one host, not a list");
        }

        if (IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return host;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"{field} must not include a port; put the port in the port field");
        }

        foreach (var c in host)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                throw new InvalidRequestException($"{field} must be one host name or IP address (letters, digits, '.', '-', '_')");
            }
        }

        return host;
    }

    /// <summary>The TLS settings of a <c>tls</c> object, the process default filling what it leaves out.</summary>
    public TlsSettings TlsFor(WireTls? tls, string field)
    {
        if (tls is null)
        {
            return _defaultTls;
        }

        var mode = _defaultTls.Mode;
        if (tls.Mode is not null && !TlsModeNames.TryParse(tls.Mode, out mode))
        {
            throw new InvalidRequestException($"{field}.mode must be one of: {TlsModeNames.Accepted}");
        }

        var authorities = _defaultTls.TrustedAuthorities;
        if (!string.IsNullOrWhiteSpace(tls.CaBundle))
        {
            authorities = CaBundle.TryParse(tls.CaBundle)
                ?? throw new InvalidRequestException($"{field}.caBundle holds no PEM certificate");
        }

        return new TlsSettings(mode, authorities);
    }

    private static PasswordPolicy Policy(WirePasswordPolicy? policy)
    {
        if (policy is null)
        {
            return PasswordPolicy.Default;
        }

        var length = policy.Length ?? PasswordPolicy.DefaultLength;
        if (length is < PasswordPolicy.MinimumLength or > PasswordPolicy.MaximumLength)
        {
            throw new InvalidRequestException(
                $"inputs.passwordPolicy.length must be between {PasswordPolicy.MinimumLength} and {PasswordPolicy.MaximumLength}");
        }

        var symbols = policy.Symbols ?? "";
        foreach (var c in symbols)
        {
            // Printable ASCII that is not a letter, digit or space: anything else breaks DSNs or shells.
            if (c is < '!' or > '~' || char.IsAsciiLetterOrDigit(c))
            {
                throw new InvalidRequestException(
                    "inputs.passwordPolicy.symbols may only hold printable ASCII punctuation such as !#%+-._~");
            }
        }

        return new PasswordPolicy { Length = length, Symbols = new string(symbols.Distinct().ToArray()) };
    }

    private static string Username(string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidRequestException($"{field} is required");
        }

        RejectNul(value, field);
        return value;
    }

    private static void RejectNul(string value, string field)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"{field} must not contain NUL characters");
        }
    }
}
