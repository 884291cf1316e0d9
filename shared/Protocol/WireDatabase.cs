using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

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
