using EscRotators.Configuration;
using EscRotators.Dispatch;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;

namespace EscRotators.Bootstrap;

/// <summary>The composition root: engines, options and logging wired into one dispatcher for both entry points.</summary>
internal static class RotatorHost
{
    /// <summary>
    /// Reads the environment (throws <see cref="InvalidConfigurationException"/> on bad settings) and takes the
    /// platform CA store out of the TLS layer's start-up path.
    /// </summary>
    public static RotationDispatcher CreateDispatcher(RotatorLogger logger)
    {
        var options = RotatorEnvironment.Read();
        var systemTrust = ProcessTrustStore.Detach();
        return new RotationDispatcher([new MySqlEngine(systemTrust), new PostgresEngine(systemTrust)], options, logger);
    }
}
