using EscRotators.Configuration;
using EscRotators.Dispatch;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;
using EscRotators.Tls;

namespace EscRotators.Composition;

/// <summary>
/// The composition root: the engine list and the one way to build a <see cref="RotationDispatcher"/>. Every host
/// (<c>bootstrap</c>'s Lambda loop and <c>invoke</c>, the HTTPS adapter and server) and every integration test builds
/// through <see cref="CreateDispatcher"/>, so all of them run the same engines with the same trust path.
/// </summary>
public static class RotatorComposition
{
    /// <summary>The event <c>type</c> values served, in the order the engines are listed.</summary>
    public static IReadOnlyList<string> EngineTypes { get; } = [.. Engines(systemTrust: null).Select(e => e.Engine.Type)];

    /// <summary>
    /// The dispatcher for a host process (Lambda, <c>invoke</c>, the HTTPS server): reads the environment (throws
    /// <see cref="InvalidConfigurationException"/> on bad settings) and takes the platform CA store out of the TLS
    /// layer's start-up path for this process (<see cref="ProcessTrustStore"/>).
    /// </summary>
    public static RotationDispatcher CreateDispatcherFromEnvironment(RotatorLogger logger) =>
        CreateDispatcher(RotatorEnvironment.Read(), ProcessTrustStore.Detach(), logger);

    /// <summary>
    /// The dispatcher for <paramref name="options"/>. <paramref name="systemTrust"/> is the platform CA store the
    /// certificate checks use (hosts get the process's detached store through <see cref="CreateDispatcherFromEnvironment"/>; tests pass
    /// <see cref="SystemTrustStore.FromEnvironment"/>).
    /// </summary>
    public static RotationDispatcher CreateDispatcher(RotatorOptions options, SystemTrustStore systemTrust, RotatorLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(systemTrust);
        ArgumentNullException.ThrowIfNull(logger);
        return new RotationDispatcher(Engines(systemTrust), options, logger);
    }

    // The engine list: a new engine is one registration line here.
    private static EngineRegistration[] Engines(SystemTrustStore? systemTrust) =>
    [
        new(new MySqlEngine(systemTrust), RequiresDatabase: false),
        new(new PostgresEngine(systemTrust), RequiresDatabase: true),
    ];
}
