namespace EscRotators.Rotation;

/// <summary>The event is malformed or incomplete; the message names the field and never holds its value.</summary>
public sealed class InvalidRequestException : Exception
{
    public InvalidRequestException(string message)
        : base(message)
    {
    }

    public InvalidRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
