namespace EscRotators.Server;

/// <summary>What <c>esc-rotator-server</c> was asked to do on its command line.</summary>
internal sealed record ServerOptions
{
    public const int DefaultPort = 8443;
    public const int DefaultRotationTimeoutSeconds = 30;

    /// <summary>An IP address, <c>localhost</c>, or <c>*</c>/<c>0.0.0.0</c> for every interface.</summary>
    public string Host { get; init; } = "0.0.0.0";

    public int Port { get; init; } = DefaultPort;

    public string? CertificatePath { get; init; }

    public string? KeyPath { get; init; }

    /// <summary>Plain HTTP for a TLS-terminating proxy in front; never the default.</summary>
    public bool InsecureHttp { get; init; }

    /// <summary>Time budget of one rotation request, from its arrival to the reply (the Lambda deadline's role).</summary>
    public TimeSpan RotationTimeout { get; init; } = TimeSpan.FromSeconds(DefaultRotationTimeoutSeconds);
}
