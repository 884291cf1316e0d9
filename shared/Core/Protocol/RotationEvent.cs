using System.Text.Json;
using System.Text.Json.Serialization;
using EscRotators.Rotation;

namespace EscRotators.Protocol;

/// <summary>
/// The invocation payload, both forms in one shape: Form A uses the top-level connection fields,
/// Form B is recognised by the presence of <c>inputs</c> (even when it is null).
/// </summary>
public sealed class RotationEvent
{
    private WireInputs? _inputs;

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("host")]
    public string? Host { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("database")]
    public string? Database { get; set; }

    [JsonPropertyName("managingUser")]
    public WireUser? ManagingUser { get; set; }

    [JsonPropertyName("rotateUser")]
    public WireUser? RotateUser { get; set; }

    [JsonPropertyName("tls")]
    public WireTls? Tls { get; set; }

    [JsonPropertyName("inputs")]
    public WireInputs? Inputs
    {
        get => _inputs;
        set
        {
            _inputs = value;
            HasInputs = true;
        }
    }

    [JsonPropertyName("state")]
    public WireState? State { get; set; }

    /// <summary>True when the payload named <c>inputs</c> at all, which selects Form B.</summary>
    [JsonIgnore]
    public bool HasInputs { get; private set; }

    /// <summary>
    /// Reads a Form A/B payload with the source-generated context. Failures become <see cref="InvalidRequestException"/>
    /// with our own wording: System.Text.Json's messages can quote input characters, and input may hold secrets.
    /// </summary>
    public static RotationEvent Read(ReadOnlySpan<byte> payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, ProtocolJsonContext.Default.RotationEvent) ?? throw NotAnObject();
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (ArgumentException ex)
        {
            throw InvalidUtf8(ex);
        }
    }

    /// <summary>The event in a payload the caller has parsed already (and told its kind from that parse).</summary>
    public static RotationEvent Read(JsonElement root)
    {
        try
        {
            return root.Deserialize(ProtocolJsonContext.Default.RotationEvent) ?? throw NotAnObject();
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
        catch (ArgumentException ex)
        {
            throw InvalidUtf8(ex);
        }
    }

    private static InvalidRequestException Malformed(JsonException ex)
    {
        var where = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
        var position = ex.LineNumber is { } line && ex.BytePositionInLine is { } column
            ? $" (line {line + 1}, byte {column + 1})"
            : "";
        return new InvalidRequestException(
            $"malformed request: not valid JSON, or a value of the wrong type{where}{position}; see docs/protocol.md for the event shape",
            ex);
    }

    // Invalid UTF-8 inside a string surfaces as ArgumentException/DecoderFallbackException in some paths.
    private static InvalidRequestException InvalidUtf8(ArgumentException ex) =>
        new("malformed request: the payload is not valid UTF-8 JSON", ex);

    private static InvalidRequestException NotAnObject() => new("malformed request: the event must be a JSON object");
}

/// <summary>Form B <c>inputs</c>, mirroring ESC's <c>fn::rotate::*</c> inputs.</summary>
public sealed class WireInputs
{
    [JsonPropertyName("database")]
    public WireDatabase? Database { get; set; }

    [JsonPropertyName("rotateUsers")]
    public WireRotateUsers? RotateUsers { get; set; }

    [JsonPropertyName("passwordPolicy")]
    public WirePasswordPolicy? PasswordPolicy { get; set; }
}

/// <summary>Form B <c>inputs.database</c>.</summary>
public sealed class WireDatabase
{
    [JsonPropertyName("host")]
    public string? Host { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("database")]
    public string? Database { get; set; }

    [JsonPropertyName("managingUser")]
    public WireCredentials? ManagingUser { get; set; }

    [JsonPropertyName("tls")]
    public WireTls? Tls { get; set; }
}

/// <summary>A user as Form A sends it: <c>managingUser</c> or <c>rotateUser</c>.</summary>
public sealed class WireUser
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    [JsonPropertyName("newPassword")]
    public string? NewPassword { get; set; }

    // Records and default ToString must never print the password.
    public override string ToString() => $"WireUser {{ Username = {Username} }}";
}

/// <summary>A username and password pair as it appears in Form B <c>state</c>, in and out.</summary>
public sealed class WireCredentials
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    public override string ToString() => $"WireCredentials {{ Username = {Username} }}";
}

/// <summary>Form B <c>inputs.rotateUsers</c>: the two users that take turns.</summary>
public sealed class WireRotateUsers
{
    [JsonPropertyName("username1")]
    public string? Username1 { get; set; }

    [JsonPropertyName("username2")]
    public string? Username2 { get; set; }
}

/// <summary>Form B <c>state</c>: what ESC stored after the last rotation, and what we return.</summary>
public sealed class WireState
{
    [JsonPropertyName("current")]
    public WireCredentials? Current { get; set; }

    // Written even when null: the contract's reply shape is {"current":{...},"previous":null}.
    [JsonPropertyName("previous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public WireCredentials? Previous { get; set; }
}

/// <summary>Form B <c>inputs.passwordPolicy</c>.</summary>
public sealed class WirePasswordPolicy
{
    [JsonPropertyName("length")]
    public int? Length { get; set; }

    [JsonPropertyName("symbols")]
    public string? Symbols { get; set; }
}

/// <summary>The optional <c>tls</c> object (Form A top level, Form B <c>inputs.database.tls</c>).</summary>
public sealed class WireTls
{
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("caBundle")]
    public string? CaBundle { get; set; }
}
