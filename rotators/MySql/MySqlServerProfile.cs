using System.Globalization;

namespace EscRotators.MySql;

/// <summary>
/// The <c>ALTER USER</c> form that keeps the password out of this server's logs. MariaDB is recognised by what the
/// server does (it runs <c>/*M! ... */</c> comments, which MySQL skips), not by its version string, which a
/// <c>version</c> setting or a proxy can make say anything.
/// </summary>
/// <param name="Flavour">Where the server records accounts, roles and privileges (for the check of the user to rotate).</param>
public sealed record MySqlServerProfile(PasswordStatementForm StatementForm, MySqlFlavour Flavour)
{
    /// <summary>ALTER USER ... IDENTIFIED BY arrived in MySQL 5.7.6.</summary>
    private static readonly Version MinimumMySql = new(5, 7, 6);

    /// <summary>Roles, CTEs and dynamic privileges arrived in MySQL 8.0.</summary>
    private static readonly Version MySql8 = new(8, 0);

    /// <summary>
    /// The profile of a server that announced <paramref name="serverVersion"/> (such as <c>8.0.36</c> or
    /// <c>8.0.mysql_aurora.3.04.0</c>) and answered the MariaDB-only probe with <paramref name="isMariaDb"/>. Null
    /// when a MySQL server is too old to rotate safely.
    /// </summary>
    public static MySqlServerProfile? Detect(string serverVersion, bool isMariaDb)
    {
        ArgumentNullException.ThrowIfNull(serverVersion);
        if (isMariaDb || serverVersion.Contains("MariaDB", StringComparison.OrdinalIgnoreCase))
        {
            return new MySqlServerProfile(PasswordStatementForm.NativePasswordHash, MySqlFlavour.MariaDb);
        }

        var version = Leading(serverVersion);
        var flavour = version >= MySql8 ? MySqlFlavour.MySql8 : MySqlFlavour.MySql57;

        // Aurora names only major.minor ("5.7.mysql_aurora.2.11.2"); every Aurora MySQL is 5.7.12-compatible or later.
        if (serverVersion.Contains("mysql_aurora", StringComparison.OrdinalIgnoreCase))
        {
            return new MySqlServerProfile(PasswordStatementForm.IdentifiedBy, flavour);
        }

        return version < MinimumMySql ? null : new MySqlServerProfile(PasswordStatementForm.IdentifiedBy, flavour);
    }

    // "8.0.36-log" -> 8.0.36: the numeric dotted prefix.
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

/// <summary>Which account catalog a MySQL-family server keeps: where roles and privileges are recorded differs.</summary>
public enum MySqlFlavour
{
    /// <summary>MariaDB: roles in <c>mysql.roles_mapping</c> (a role's own rows have Host <c>''</c>); <c>mysql.user</c> is a view on 10.4+.</summary>
    MariaDb,

    /// <summary>MySQL 5.7 and Aurora MySQL 2: no roles, no dynamic privileges.</summary>
    MySql57,

    /// <summary>MySQL 8.0+ and Aurora MySQL 3: roles in <c>mysql.role_edges</c>, dynamic privileges in <c>mysql.global_grants</c>.</summary>
    MySql8,
}
