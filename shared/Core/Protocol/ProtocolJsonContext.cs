using System.Text.Json.Serialization;

namespace EscRotators.Protocol;

/// <summary>
/// Source-generated (AOT, no reflection) JSON for the wire types. Names match case-insensitively and
/// unknown fields are skipped, as Go's decoder does in Pulumi's lambda.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    MaxDepth = 32)]
[JsonSerializable(typeof(RotationEvent))]
[JsonSerializable(typeof(RotationReply))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
