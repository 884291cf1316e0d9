namespace EscRotators.SecretsManager.Rotation;

/// <summary>
/// A rotation step that failed. Thrown out of the handler, it becomes the Lambda function error Secrets Manager
/// reports and retries; its message is already redacted and names the step, the database and what to do.
/// </summary>
public sealed class RotationStepException : Exception
{
    public RotationStepException()
    {
    }

    public RotationStepException(string message)
        : base(message)
    {
    }

    public RotationStepException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
