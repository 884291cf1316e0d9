using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>Form B <c>inputs.rotateUsers</c>: the two users that take turns.</summary>
public sealed class WireRotateUsers
{
    [JsonPropertyName("username1")]
    public string? Username1 { get; set; }

    [JsonPropertyName("username2")]
    public string? Username2 { get; set; }
}
