using EscRotators.Tls;

namespace EscRotators.Configuration;

/// <summary>Process-wide settings, read once at start-up (<see cref="RotatorEnvironment"/>).</summary>
public sealed record RotatorOptions
{
    /// <summary>TLS used when a request has no <c>tls</c> object (<c>ESC_ROTATOR_TLS_MODE</c>, <c>ESC_ROTATOR_CA_BUNDLE</c>).</summary>
    public TlsSettings DefaultTls { get; init; } = TlsSettings.Default;

    /// <summary>
    /// Pauses between attempts when the database refuses or cannot be reached (nothing was sent, so a retry is
    /// safe). Short on purpose: a refused connection is answered well inside a second.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)];

    /// <summary>Longest time one connection attempt may take, whatever the deadline (<see cref="Rotation.InvocationBudget"/> sizes the rest).</summary>
    public TimeSpan MaximumConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

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
