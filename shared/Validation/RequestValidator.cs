using EscRotators.Engines;
using EscRotators.Passwords;
using EscRotators.Protocol;
using EscRotators.Tls;

namespace EscRotators.Validation;

/// <summary>
/// Turns a parsed <see cref="RotationEvent"/> into a <see cref="RotationRequest"/>, or throws
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

    public RotationRequest Validate(RotationEvent evt, string engineType)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return evt.HasInputs ? ValidateFullRotation(evt, engineType) : ValidateConnectorRequest(evt, engineType);
    }

    private RotationRequest ValidateConnectorRequest(RotationEvent evt, string engineType)
    {
        // Checked first, as the Go lambda does: an empty password would leave a MySQL account open.
        var newPassword = evt.RotateUser?.NewPassword;
        if (string.IsNullOrEmpty(newPassword))
        {
            throw new InvalidRequestException(NoPasswordMessage);
        }

        RejectNul(newPassword, "rotateUser.newPassword");
        var endpoint = Endpoint(
            evt.Host,
            evt.Port,
            evt.Database,
            evt.ManagingUser?.Username,
            evt.ManagingUser?.Password,
            evt.Tls,
            prefix: "");

        return new RotationRequest
        {
            Form = RequestForm.ConnectorRequest,
            EngineType = engineType,
            Endpoint = endpoint,
            RotateUsername = Username(evt.RotateUser?.Username, "rotateUser.username"),
            NewPassword = newPassword,
        };
    }

    private RotationRequest ValidateFullRotation(RotationEvent evt, string engineType)
    {
        var inputs = evt.Inputs ?? throw new InvalidRequestException("inputs.database is required");
        var database = inputs.Database ?? throw new InvalidRequestException("inputs.database is required");
        var endpoint = Endpoint(
            database.Host,
            database.Port,
            database.Database,
            database.ManagingUser?.Username,
            database.ManagingUser?.Password,
            database.Tls,
            prefix: "inputs.database.");

        var users = inputs.RotateUsers ?? throw new InvalidRequestException("inputs.rotateUsers is required");
        var username1 = Username(users.Username1, "inputs.rotateUsers.username1");
        var username2 = Username(users.Username2, "inputs.rotateUsers.username2");
        if (string.Equals(username1, username2, StringComparison.Ordinal))
        {
            throw new InvalidRequestException(
                "inputs.rotateUsers.username1 and inputs.rotateUsers.username2 must name two different users");
        }

        return new RotationRequest
        {
            Form = RequestForm.FullRotation,
            EngineType = engineType,
            Endpoint = endpoint,
            Username1 = username1,
            Username2 = username2,
            State = evt.State,
            PasswordPolicy = Policy(inputs.PasswordPolicy),
        };
    }

    private DatabaseEndpoint Endpoint(
        string? host,
        int? port,
        string? database,
        string? managingUsername,
        string? managingPassword,
        WireTls? tls,
        string prefix)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new InvalidRequestException($"{prefix}host is required");
        }

        RejectNul(host, prefix + "host");
        if (port is null)
        {
            throw new InvalidRequestException($"{prefix}port is required");
        }

        if (port is < 1 or > 65535)
        {
            throw new InvalidRequestException($"{prefix}port must be between 1 and 65535");
        }

        if (string.IsNullOrWhiteSpace(database))
        {
            throw new InvalidRequestException($"{prefix}database is required");
        }

        RejectNul(database, prefix + "database");
        var username = Username(managingUsername, prefix + "managingUser.username");
        if (string.IsNullOrEmpty(managingPassword))
        {
            throw new InvalidRequestException($"{prefix}managingUser.password is required");
        }

        RejectNul(managingPassword, prefix + "managingUser.password");
        return new DatabaseEndpoint(
            host.Trim(),
            port.Value,
            database,
            new Credential(username, managingPassword),
            Tls(tls, prefix + "tls"),
            TimeSpan.Zero);
    }

    private TlsSettings Tls(WireTls? tls, string field)
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
