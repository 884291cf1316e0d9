namespace EscRotators.SecretsManager;

/// <summary>The environment does not describe a usable Secrets Manager client; the message names the variable.</summary>
public sealed class SecretsManagerConfigurationException : Exception
{
    public SecretsManagerConfigurationException()
    {
    }

    public SecretsManagerConfigurationException(string message)
        : base(message)
    {
    }

    public SecretsManagerConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
