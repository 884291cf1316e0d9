namespace EscRotators.Postgres;

/// <summary>PostgreSQL naming rules the rotator checks before sending anything.</summary>
internal static class PostgresIdentifiers
{
    /// <summary>NAMEDATALEN - 1: longer names are silently truncated by the server, which could alter another role.</summary>
    public const int MaxNameBytes = 63;

    /// <summary>A name quoted for display in advice we give (never used to build executed SQL).</summary>
    public static string Display(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
