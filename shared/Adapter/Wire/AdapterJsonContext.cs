using System.Text.Json.Serialization;

namespace EscRotators.Adapter.Wire;

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
