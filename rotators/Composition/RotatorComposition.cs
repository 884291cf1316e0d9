using EscRotators.Adapter;
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
    /// The dispatcher and the HTTPS adapter (Form C) in front of it, for a host process: as
    /// <see cref="CreateDispatcherFromEnvironment"/>, plus the adapter's <c>ESC_ROTATOR_*</c> settings. The adapter is
    /// null when <c>ESC_ROTATOR_AUDIENCE</c> is unset and <paramref name="adapterRequired"/> is false (bootstrap then
    /// serves Forms A and B only); with <paramref name="adapterRequired"/> (the server) a missing audience throws
    /// <see cref="InvalidConfigurationException"/>.
    /// </summary>
    public static (RotationDispatcher Dispatcher, ExternalRotationAdapter? Adapter) CreateWithAdapterFromEnvironment(
        RotatorLogger logger,
        bool adapterRequired)
    {
        var adapterOptions = adapterRequired ? AdapterEnvironment.Read() : AdapterEnvironment.TryRead();
        var options = RotatorEnvironment.Read();

        // Detached once: the store it returns serves the database checks and the JWKS download alike.
        var systemTrust = ProcessTrustStore.Detach();
        var dispatcher = CreateDispatcher(options, systemTrust, logger);
        var adapter = adapterOptions is null ? null : ExternalRotationAdapter.Create(adapterOptions, dispatcher, logger, systemTrust);
        return (dispatcher, adapter);
    }

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
