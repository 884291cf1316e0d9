using System.Runtime.InteropServices;
using EscRotators.Adapter;
using EscRotators.Configuration;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;
using EscRotators.Rotation;
using EscRotators.SecretsManager.Rotation;
using EscRotators.SecretsManager;
using EscRotators.Tls;

namespace EscRotators.Composition;

/// <summary>
/// The composition root: the engine list, the settings (read from the environment once, here), and the one way to
/// build what a host serves. <c>bootstrap</c> (Lambda loop and <c>invoke</c>) builds through
/// <see cref="CreateHostFromEnvironment"/>, <c>esc-rotator-server</c> through <see cref="CreateServerAdapterFromEnvironment"/>,
/// and the integration tests through <see cref="CreateDispatcher"/> and <see cref="CreateSecretsManagerHandler"/>, so all
/// of them run the same engines with the same trust path.
/// </summary>
public static class RotatorComposition
{
    /// <summary>The event <c>type</c> values served, in the order the engines are listed.</summary>
    public static IReadOnlyList<string> EngineTypes { get; } = [.. Engines(systemTrust: null).Select(e => e.Engine.Type)];

    /// <summary>
    /// The HTTPS adapter for <c>esc-rotator-server</c>, in front of a dispatcher: its settings are required
    /// (a missing <c>ESC_ROTATOR_AUDIENCE</c> throws <see cref="InvalidConfigurationException"/>) and read once, here.
    /// </summary>
    public static ExternalRotationAdapter CreateServerAdapterFromEnvironment(RotatorLogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return Build(logger, adapterRequired: true).Adapter
            ?? throw new InvalidConfigurationException("ESC_ROTATOR_AUDIENCE is required");
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
    public static RotatorHost CreateHostFromEnvironment(RotatorLogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var (dispatcher, adapter, options, systemTrust) = Build(logger, adapterRequired: false);
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
#pragma warning disable CA2000 // The client lives as long as the process; HttpClient owns and disposes the handler.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = options.AttemptTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(50),
        };
#pragma warning restore CA2000

        // Only https needs the certificate check, and only it pays for loading the platform roots (plain http is
        // accepted to a loopback endpoint only, see SecretsManagerEndpoint).
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            var check = new ServerCertificateCheck(
                new TlsSettings(TlsMode.VerifyFull, null),
                endpoint.HostNameType == UriHostNameType.IPv6 ? endpoint.DnsSafeHost : endpoint.IdnHost,
                systemTrust);
            handler.SslOptions = check.ApplyTo(new System.Net.Security.SslClientAuthenticationOptions());
        }

        return new SecretsManagerClient(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, options, TimeProvider.System);
    }

    /// <summary>
    /// The dispatcher for <paramref name="options"/>. <paramref name="systemTrust"/> is the platform CA store the
    /// certificate checks use (hosts get the process's detached store through <see cref="CreateHostFromEnvironment"/>; tests pass
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

/// <summary>What a host process serves, built once by <see cref="RotatorComposition.CreateHostFromEnvironment"/>.</summary>
/// <param name="Dispatcher">Forms A and B.</param>
/// <param name="Adapter">Form C over HTTPS; null when <c>ESC_ROTATOR_AUDIENCE</c> is unset.</param>
/// <param name="SecretsManager">Secrets Manager's four-step rotation events.</param>
public sealed record RotatorHost(RotationDispatcher Dispatcher, ExternalRotationAdapter? Adapter, SecretsManagerRotationHandler SecretsManager);

/// <summary>
/// Moves the platform CA store out of .NET's way for this process (see <see cref="SystemTrustStore"/>): records where
/// it is, then points OpenSSL's <c>SSL_CERT_FILE</c>/<c>SSL_CERT_DIR</c> at an empty directory. Must run before the first
/// TLS handshake. Environment.SetEnvironmentVariable would not do: it does not reach the native environment OpenSSL reads.
/// </summary>
internal static partial class ProcessTrustStore
{
    public static SystemTrustStore Detach()
    {
        // Read first: the returned store must know the real locations. Our checks use it whether or not the
        // redirection below succeeds, so a failure only costs speed, never trust.
        var store = SystemTrustStore.FromEnvironment();
        var empty = Path.Combine(Path.GetTempPath(), "esc-rotator-empty-ca");
        try
        {
            Directory.CreateDirectory(empty);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return store;
        }

        _ = SetEnvironment("SSL_CERT_DIR", empty, 1);
        _ = SetEnvironment("SSL_CERT_FILE", Path.Combine(empty, "none.pem"), 1);
        return store;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
