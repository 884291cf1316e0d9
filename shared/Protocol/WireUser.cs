using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

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
