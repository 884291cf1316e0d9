using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EscRotators.SecretsManager;

[JsonSerializable(typeof(DescribeSecretRequest))]
[JsonSerializable(typeof(DescribeSecretResponse))]
[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(GetSecretValueResponse))]
[JsonSerializable(typeof(PutSecretValueRequest))]
[JsonSerializable(typeof(PutSecretValueResponse))]
[JsonSerializable(typeof(UpdateSecretVersionStageRequest))]
[JsonSerializable(typeof(UpdateSecretVersionStageResponse))]
[JsonSerializable(typeof(GetRandomPasswordRequest))]
[JsonSerializable(typeof(GetRandomPasswordResponse))]
[JsonSerializable(typeof(ServiceErrorBody))]
internal sealed partial class SecretsManagerJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Bodies escaped as the AWS SDKs' JSON.stringify escapes them (quote, backslash and control characters only;
    /// other characters as UTF-8), so that our requests are byte for byte the official client's. The body is never
    /// embedded in HTML, which is all the default encoder's extra escaping guards against.
    /// </summary>
    public static SecretsManagerJsonContext Wire { get; } =
        new(new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            MaxDepth = 16,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
}
