using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Jwks;

/// <summary>A JWKS document: <c>{"keys":[...]}</c>.</summary>
public sealed class JsonWebKeySet
{
    [JsonPropertyName("keys")]
    public List<JsonWebKey>? Keys { get; set; }
}
