namespace EscRotators.Rotation;

/// <summary>
/// A bug escaped the dispatcher. Its message is fixed and safe, because the original exception's message could
/// quote input; the original stays as the inner exception for the stack trace in our own log.
/// </summary>
public sealed class UnexpectedRotatorException : Exception
{
    public UnexpectedRotatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
