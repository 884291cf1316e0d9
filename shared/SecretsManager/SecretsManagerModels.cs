using System.Text;
using System.Text.Json.Serialization;

namespace EscRotators.SecretsManager;

// The requests and responses of the five operations, named and shaped as in the Secrets Manager API reference
// (JSON 1.1: PascalCase members, timestamps as epoch seconds), members in the model's order as the official client
// sends them. Records holding a secret value or a password print
// without it, so that logging one by mistake leaks nothing.

public sealed record DescribeSecretRequest(string SecretId);

public sealed record DescribeSecretResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public string? KmsKeyId { get; init; }

    public bool? RotationEnabled { get; init; }

    public string? RotationLambdaARN { get; init; }

    public RotationRules? RotationRules { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? LastRotatedDate { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? LastChangedDate { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? DeletedDate { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? NextRotationDate { get; init; }

    public Dictionary<string, string[]>? VersionIdsToStages { get; init; }
}

public sealed record RotationRules
{
    public long? AutomaticallyAfterDays { get; init; }

    public string? Duration { get; init; }

    public string? ScheduleExpression { get; init; }
}

/// <summary>By <see cref="VersionId"/>, by <see cref="VersionStage"/>, or (neither) the AWSCURRENT version.</summary>
public sealed record GetSecretValueRequest(string SecretId)
{
    public string? VersionId { get; init; }

    public string? VersionStage { get; init; }
}

public sealed record GetSecretValueResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public string? VersionId { get; init; }

    public string? SecretString { get; init; }

    public string[]? VersionStages { get; init; }

    [JsonConverter(typeof(EpochSecondsConverter))]
    public DateTimeOffset? CreatedDate { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ARN = ").Append(ARN).Append(", Name = ").Append(Name).Append(", VersionId = ").Append(VersionId)
            .Append(", VersionStages = [").AppendJoin(", ", VersionStages ?? []).Append("], SecretString = ")
            .Append(SecretString is null ? "null" : "***");
        return true;
    }
}

/// <summary>
/// A new version. <see cref="ClientRequestToken"/> is its VersionId and makes retries idempotent;
/// <see cref="RotationToken"/> is passed through from the rotation event when it has one.
/// </summary>
public sealed record PutSecretValueRequest(string SecretId, string ClientRequestToken, string SecretString)
{
    public string[]? VersionStages { get; init; }

    public string? RotationToken { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("SecretId = ").Append(SecretId).Append(", ClientRequestToken = ").Append(ClientRequestToken)
            .Append(", VersionStages = [").AppendJoin(", ", VersionStages ?? []).Append("], SecretString = ***")
            .Append(", RotationToken = ").Append(RotationToken is null ? "null" : "***");
        return true;
    }
}

public sealed record PutSecretValueResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }

    public string? VersionId { get; init; }

    public string[]? VersionStages { get; init; }
}

/// <summary>Moves <see cref="VersionStage"/> to <see cref="MoveToVersionId"/> and/or removes it from <see cref="RemoveFromVersionId"/>.</summary>
public sealed record UpdateSecretVersionStageRequest(string SecretId, string VersionStage)
{
    // Members in the order of the service model, which is how the official client writes them.
    public string? RemoveFromVersionId { get; init; }

    public string? MoveToVersionId { get; init; }
}

public sealed record UpdateSecretVersionStageResponse
{
    public string? ARN { get; init; }

    public string? Name { get; init; }
}

/// <summary>The options of AWS's templates (<c>get_random_password</c>); unset ones take the service's defaults.</summary>
public sealed record GetRandomPasswordRequest
{
    public long? PasswordLength { get; init; }

    public string? ExcludeCharacters { get; init; }

    public bool? ExcludeNumbers { get; init; }

    public bool? ExcludePunctuation { get; init; }

    public bool? ExcludeUppercase { get; init; }

    public bool? ExcludeLowercase { get; init; }

    public bool? IncludeSpace { get; init; }

    public bool? RequireEachIncludedType { get; init; }
}

public sealed record GetRandomPasswordResponse
{
    public string? RandomPassword { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("RandomPassword = ").Append(RandomPassword is null ? "null" : "***");
        return true;
    }
}

/// <summary>A JSON 1.1 error body: <c>__type</c> and <c>message</c> (some services write <c>Message</c>).</summary>
internal sealed record ServiceErrorBody
{
    [JsonPropertyName("__type")]
    public string? Type { get; init; }

    [JsonPropertyName("message")]
    public string? LowerMessage { get; init; }

    [JsonPropertyName("Message")]
    public string? UpperMessage { get; init; }
}
