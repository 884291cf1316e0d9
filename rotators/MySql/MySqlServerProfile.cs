using System.Globalization;

namespace EscRotators.MySql;

/// <summary>
/// What the rotator needs to know about a server, read from its version string: the flavour and the
/// <c>ALTER USER</c> form that keeps the password out of that server's logs.
/// </summary>
public sealed record MySqlServerProfile(MySqlServerFlavor Flavor, Version Version, PasswordStatementForm StatementForm)
{
    /// <summary>ALTER USER ... IDENTIFIED BY arrived in MySQL 5.7.6.</summary>
    private static readonly Version MinimumMySql = new(5, 7, 6);

    /// <summary>
    /// Reads a server version such as <c>8.0.36</c>, <c>8.0.mysql_aurora.3.04.0</c>, <c>10.11.6-MariaDB-log</c>
    /// or <c>5.5.5-10.6.12-MariaDB</c> (the prefix old MariaDB releases sent for compatibility). Null when the
    /// server is too old to rotate safely.
    /// </summary>
    public static MySqlServerProfile? FromVersion(string serverVersion)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        if (serverVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase))
        {
            var text = serverVersion.StartsWith("5.5.5-", StringComparison.Ordinal) ? serverVersion[6..] : serverVersion;
            return new MySqlServerProfile(MySqlServerFlavor.MariaDb, Leading(text), PasswordStatementForm.NativePasswordHash);
        }

        var version = Leading(serverVersion);

        // Aurora names only major.minor ("5.7.mysql_aurora.2.11.2"); every Aurora MySQL is 5.7.12-compatible or later.
        if (serverVersion.Contains("mysql_aurora", StringComparison.OrdinalIgnoreCase))
        {
            return new MySqlServerProfile(MySqlServerFlavor.AuroraMySql, version, PasswordStatementForm.IdentifiedBy);
        }

        return version < MinimumMySql ? null : new MySqlServerProfile(MySqlServerFlavor.MySql, version, PasswordStatementForm.IdentifiedBy);
    }

    // "8.0.mysql_aurora.3.04.0" -> 8.0; "10.11.6-MariaDB" -> 10.11.6: the numeric dotted prefix.
    private static Version Leading(string text)
    {
        var parts = new List<int>(3);
        foreach (var part in text.Split('.'))
        {
            var digits = part.TakeWhile(char.IsAsciiDigit).ToArray();
            if (digits.Length == 0)
            {
                break;
            }

            parts.Add(int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
            if (digits.Length != part.Length || parts.Count == 3)
            {
                break;
            }
        }

        while (parts.Count < 2)
        {
            parts.Add(0);
        }

        return parts.Count == 2 ? new Version(parts[0], parts[1]) : new Version(parts[0], parts[1], parts[2]);
    }
}
