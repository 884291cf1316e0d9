namespace EscRotators.Configuration;

/// <summary>The Lambda's environment is wrong; raised at start-up and reported as an init error.</summary>
public sealed class InvalidConfigurationException : Exception
{
    public InvalidConfigurationException(string message)
        : base(message)
    {
    }

    public InvalidConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
