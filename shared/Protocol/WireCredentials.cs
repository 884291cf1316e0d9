using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>A username and password pair as it appears in Form B <c>state</c>, in and out.</summary>
public sealed class WireCredentials
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("password")]
    public string? Password { get; set; }

    public override string ToString() => $"WireCredentials {{ Username = {Username} }}";
}
