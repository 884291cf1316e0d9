using System.Text.Json.Serialization;

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
}
