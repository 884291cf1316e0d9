using System.Text.Json.Serialization;

namespace EscRotators.Adapter.FunctionUrl;

/// <summary>Source-generated JSON for the events AWS sends, whose member names are exact.</summary>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    MaxDepth = 32)]
[JsonSerializable(typeof(FunctionUrlEvent))]
[JsonSerializable(typeof(FunctionUrlResponse))]
public sealed partial class FunctionUrlJsonContext : JsonSerializerContext;
