using EscRotators.Configuration;
using EscRotators.Dispatch;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.MySql;
using EscRotators.Postgres;

namespace EscRotators.Bootstrap;

/// <summary>The composition root: engines, options and logging wired into one dispatcher for both entry points.</summary>
internal static class RotatorHost
{
    public static IDatabaseEngine[] Engines() => [new MySqlEngine(), new PostgresEngine()];

    /// <summary>Reads the environment; throws <see cref="InvalidConfigurationException"/> on bad settings.</summary>
    public static RotationDispatcher CreateDispatcher(RotatorLogger logger) =>
        new(Engines(), RotatorEnvironment.Read(), logger);
}
