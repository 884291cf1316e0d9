using System.Text.Json.Serialization;
using EscRotators.Protocol;

namespace EscRotators.Adapter;

/// <summary>What ESC's <c>fn::rotate::external</c> POSTs: <c>{"request": R, "state": null | S}</c>.</summary>
public sealed class ExternalRotationBody
{
    [JsonPropertyName("request")]
    public ExternalRotationRequest? Request { get; set; }

    [JsonPropertyName("state")]
    public ExternalRotationState? State { get; set; }
}

/// <summary><c>R</c>: the rotation type plus Form B's <c>inputs</c> fields at the top level.</summary>
public sealed class ExternalRotationRequest
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("database")]
    public WireDatabase? Database { get; set; }

    [JsonPropertyName("rotateUsers")]
    public WireRotateUsers? RotateUsers { get; set; }

    [JsonPropertyName("passwordPolicy")]
    public WirePasswordPolicy? PasswordPolicy { get; set; }
}

/// <summary>
/// <c>S</c>: the previous 200 response, sent back verbatim. Its <c>username</c>/<c>password</c> are Form B's
/// <c>state.current</c>; <c>previous</c> and <c>rotatedAt</c> are ours and play no part in the next rotation.
/// </summary>
public sealed class ExternalRotationState
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    public override string ToString() => $"ExternalRotationState {{ Username = {Username} }}";
}

/// <summary>
/// The 200 body, which ESC stores as the new <c>current</c>:
/// <c>{"username","password","previous":{...}|null,"rotatedAt"}</c>.
/// </summary>
public sealed class ExternalRotationResponse
{
    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("password")]
    public required string Password { get; init; }

    [JsonPropertyName("previous")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public WireCredentials? Previous { get; init; }

    /// <summary>UTC, whole seconds, ISO 8601 (<c>2026-11-30T02:00:00Z</c>).</summary>
    [JsonPropertyName("rotatedAt")]
    public required string RotatedAt { get; init; }

    public override string ToString() => $"ExternalRotationResponse {{ Username = {Username} }}";
}

/// <summary>Every non-200 body: <c>{"error":"..."}</c>.</summary>
public sealed class AdapterError
{
    [JsonPropertyName("error")]
    public required string Error { get; init; }
}

/// <summary>
/// Source-generated JSON for Form C bodies. Like the rotation payload: names match case-insensitively, unknown
/// fields are skipped (ESC may add some), numbers may be strings.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    MaxDepth = 32)]
[JsonSerializable(typeof(ExternalRotationBody))]
[JsonSerializable(typeof(ExternalRotationResponse))]
[JsonSerializable(typeof(AdapterError))]
public sealed partial class AdapterJsonContext : JsonSerializerContext;
