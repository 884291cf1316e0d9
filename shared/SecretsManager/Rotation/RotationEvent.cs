using System.Text.Json;

namespace EscRotators.SecretsManager.Rotation;

/// <summary>The four steps Secrets Manager invokes a rotation function with, in the order it calls them.</summary>
public enum RotationStep
{
    CreateSecret,
    SetSecret,
    TestSecret,
    FinishSecret,
}

/// <summary>
/// A Secrets Manager rotation event: <c>{"Step", "SecretId", "ClientRequestToken"}</c> and, when the caller
/// passes one, <c>RotationToken</c> (handed back on <c>PutSecretValue</c>).
/// </summary>
public sealed record SecretsManagerEvent(RotationStep Step, string SecretId, string ClientRequestToken, string? RotationToken)
{
    // Secret ids are names or ARNs (at most 2048 characters); tokens are 32 to 64 characters.
    private const int MaxSecretIdLength = 2048;
    private const int MaxTokenLength = 64;
    private const int MinTokenLength = 32;
    private const int MaxRotationTokenLength = 4096;

    /// <summary>The step's name as Secrets Manager writes it.</summary>
    public static string StepName(RotationStep step) => step switch
    {
        RotationStep.CreateSecret => "createSecret",
        RotationStep.SetSecret => "setSecret",
        RotationStep.TestSecret => "testSecret",
        _ => "finishSecret",
    };

    /// <summary>
    /// Null when the parsed payload <paramref name="root"/> is not a JSON object with a top-level <c>Step</c> (every
    /// other event the function serves); the event when it is a well-formed one. A payload with <c>Step</c> but bad
    /// fields throws <see cref="RotationStepException"/>, whose message names the field and never echoes a value.
    /// </summary>
    public static SecretsManagerEvent? TryRead(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Step", out var stepValue))
        {
            return null;
        }

        var step = stepValue.ValueKind == JsonValueKind.String ? stepValue.GetString() : null;
        var parsedStep = step switch
        {
            "createSecret" => RotationStep.CreateSecret,
            "setSecret" => RotationStep.SetSecret,
            "testSecret" => RotationStep.TestSecret,
            "finishSecret" => RotationStep.FinishSecret,
            _ => throw Malformed("Step must be createSecret, setSecret, testSecret or finishSecret"),
        };
        var secretId = Text(root, "SecretId", 1, MaxSecretIdLength, required: true) ?? throw Malformed("SecretId is required");
        var token = Text(root, "ClientRequestToken", MinTokenLength, MaxTokenLength, required: true) ?? throw Malformed("ClientRequestToken is required");
        var rotationToken = Text(root, "RotationToken", 1, MaxRotationTokenLength, required: false);
        return new SecretsManagerEvent(parsedStep, secretId, token, rotationToken);
    }

    public override string ToString() => $"{StepName(Step)} of {SecretId} (version {ClientRequestToken})";

    private static string? Text(JsonElement root, string name, int minLength, int maxLength, bool required)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? throw Malformed($"{name} is required") : null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || text.Length < minLength || text.Length > maxLength || text.Any(char.IsControl))
        {
            throw Malformed($"{name} must be a string of {minLength} to {maxLength} printable characters");
        }

        return text;
    }

    private static RotationStepException Malformed(string what) =>
        new($"malformed Secrets Manager rotation event: {what}; Secrets Manager sends {{\"Step\", \"SecretId\", \"ClientRequestToken\"}}");
}
