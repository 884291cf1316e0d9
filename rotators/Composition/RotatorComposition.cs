using EscRotators.Adapter;
using EscRotators.Configuration;
using EscRotators.Dispatch;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;
using EscRotators.SecretsManager;
using EscRotators.SecretsManager.Rotation;
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
        var (dispatcher, adapter, _, _) = Build(logger, adapterRequired);
        return (dispatcher, adapter);
    }

    private static (RotationDispatcher Dispatcher, ExternalRotationAdapter? Adapter, RotatorOptions Options, SystemTrustStore SystemTrust) Build(
        RotatorLogger logger,
        bool adapterRequired)
    {
        var adapterOptions = adapterRequired ? AdapterEnvironment.Read() : AdapterEnvironment.TryRead();
        var options = RotatorEnvironment.Read();

        // Detached once: the store it returns serves the database checks, the JWKS download and Secrets Manager alike.
        var systemTrust = ProcessTrustStore.Detach();
        var dispatcher = CreateDispatcher(options, systemTrust, logger);
        var adapter = adapterOptions is null ? null : ExternalRotationAdapter.Create(adapterOptions, dispatcher, logger, systemTrust);
        return (dispatcher, adapter, options, systemTrust);
    }

    /// <summary>
    /// Everything a host process serves: the dispatcher (Forms A and B), the HTTPS adapter (Form C) when configured, and
    /// the Secrets Manager four-step handler. Settings are read once, here; the Secrets Manager client is built from
    /// the AWS variables on the first rotation event, so a function that serves only ESC needs none of them.
    /// </summary>
    /// <exception cref="InvalidConfigurationException">A setting is malformed.</exception>
    public static RotatorHost CreateHostFromEnvironment(RotatorLogger logger, bool adapterRequired)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var (dispatcher, adapter, options, systemTrust) = Build(logger, adapterRequired);
        return new RotatorHost(dispatcher, adapter, CreateSecretsManagerHandler(options, systemTrust, logger, Environment.GetEnvironmentVariable));
    }

    /// <summary>
    /// The four-step handler for <paramref name="options"/>: the same engines and trust path as the dispatcher, and a
    /// Secrets Manager client over <see cref="HttpClient"/> whose certificate check uses <paramref name="systemTrust"/>.
    /// </summary>
    /// <exception cref="InvalidConfigurationException">PASSWORD_LENGTH is malformed.</exception>
    public static SecretsManagerRotationHandler CreateSecretsManagerHandler(
        RotatorOptions options,
        SystemTrustStore systemTrust,
        RotatorLogger logger,
        Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(systemTrust);
        ArgumentNullException.ThrowIfNull(environment);
        GetRandomPasswordRequest passwords;
        try
        {
            passwords = RandomPasswordSettings.FromEnvironment(environment);
        }
        catch (SecretsManagerConfigurationException ex)
        {
            throw new InvalidConfigurationException(ex.Message);
        }

        return new SecretsManagerRotationHandler(
            Engines(systemTrust).Select(e => e.Engine),
            options,
            passwords,
            () => CreateSecretsManagerClient(SecretsManagerClientOptions.FromEnvironment(environment), systemTrust),
            logger);
    }

    // One connection pool for the process; the client times its own attempts, so HttpClient's timeout is off.
    private static SecretsManagerClient CreateSecretsManagerClient(SecretsManagerClientOptions options, SystemTrustStore systemTrust)
    {
        var endpoint = options.Endpoint;
        var check = new ServerCertificateCheck(
            new TlsSettings(TlsMode.VerifyFull, null),
            endpoint.HostNameType == UriHostNameType.IPv6 ? endpoint.DnsSafeHost : endpoint.IdnHost,
            systemTrust);
#pragma warning disable CA2000 // The client lives as long as the process; HttpClient owns and disposes the handler.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = options.AttemptTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = check.Validate,
                CertificateChainPolicy = check.ChainPolicy,
            },
        };
        return new SecretsManagerClient(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, options, TimeProvider.System);
#pragma warning restore CA2000
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
