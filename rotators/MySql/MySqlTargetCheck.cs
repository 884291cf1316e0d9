using System.Data.Common;
using EscRotators.Engines;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// What makes an account unfit to rotate on a MySQL-family server: being the session's own user, or administrative
/// power held by an account of that name (any host: database and table grants match the user name and the client's
/// host, not the account's) or by any role granted to one, directly or through other roles. Administrative power is
/// global SUPER, CREATE USER, GRANT OPTION or FILE, a global privilege that writes every database (and so
/// <c>mysql.*</c>), a write privilege through a database grant whose pattern matches <c>mysql</c>, a table or column
/// grant that writes a <c>mysql</c> table, and on MySQL 8 the dynamic privileges that administer accounts or run
/// code as others. On MySQL the same read brings the rotated account's authentication plugin, which its password
/// statement keeps and which tells whether its next login would hand the server the password itself
/// (<see cref="PasswordChannel"/>).
/// <para>
/// The least-privilege managing user cannot read other accounts' privileges; the narrow column grants of
/// <see cref="ReadGrants"/> let it, without exposing a password hash. Without them the check fails closed.
/// One round trip: the session's users, then one result set per catalog table.
/// </para>
/// </summary>
internal sealed class MySqlTargetCheck
{
    // Global privileges (mysql.user columns) that amount to administrative power. INSERT..ALTER on *.* write the
    // grant tables; FILE reads the server's files, the grant tables' data files among them.
    private static readonly Privilege[] GlobalPrivileges =
    [
        new("Super_priv", "SUPER"), new("Create_user_priv", "CREATE USER"), new("Grant_priv", "GRANT OPTION"), new("File_priv", "FILE"),
        new("Insert_priv", "INSERT"), new("Update_priv", "UPDATE"), new("Delete_priv", "DELETE"),
        new("Create_priv", "CREATE"), new("Drop_priv", "DROP"), new("Alter_priv", "ALTER"),
    ];

    // mysql.user's plugin column, after User, Host and the global privileges; read on MySQL only. MariaDB's password
    // statement (IDENTIFIED BY PASSWORD '*hash') makes every account mysql_native_password, whatever it was before.
    private static readonly int PluginColumn = 2 + GlobalPrivileges.Length;
    private static readonly ReadGrant PluginGrant = new("mysql.user", "plugin");

    // mysql.db columns of the privileges that write a database's tables.
    private static readonly Privilege[] DatabaseWritePrivileges =
    [
        new("Insert_priv", "INSERT"), new("Update_priv", "UPDATE"), new("Delete_priv", "DELETE"),
        new("Create_priv", "CREATE"), new("Drop_priv", "DROP"), new("Alter_priv", "ALTER"),
    ];

    // Members of the Table_priv and Column_priv sets that write a table.
    private static readonly string[] TableWritePrivileges = ["Insert", "Update", "Delete", "Create", "Drop", "Alter"];
    private static readonly string[] ColumnWritePrivileges = ["Insert", "Update"];

    // MySQL 8 dynamic privileges that administer accounts and roles or let code run as another account.
    private static readonly HashSet<string> AdministrativeDynamicPrivileges = new(StringComparer.OrdinalIgnoreCase)
    {
        "SYSTEM_USER", "ROLE_ADMIN", "SET_USER_ID", "SET_ANY_DEFINER", "ALLOW_NONEXISTENT_DEFINER",
        "SYSTEM_VARIABLES_ADMIN", "PERSIST_RO_VARIABLES_ADMIN",
    };

    private static readonly MySqlTargetCheck MariaDb = new(
        MySqlFlavour.MariaDb,
        "WITH RECURSIVE roles (name) AS (" +
        "SELECT Role FROM mysql.roles_mapping WHERE User = @user " +
        "UNION SELECT m.Role FROM mysql.roles_mapping m JOIN roles r ON m.User = r.name AND m.Host = '') ",
        "(User = @user OR (Host = '' AND User IN (SELECT name FROM roles)))",
        [new("mysql.roles_mapping", "User, Host, Role")]);

    private static readonly MySqlTargetCheck MySql57 = new(MySqlFlavour.MySql57, "", "User = @user", [PluginGrant]);

    private static readonly MySqlTargetCheck MySql8 = new(
        MySqlFlavour.MySql8,
        "WITH RECURSIVE roles (name, host) AS (" +
        "SELECT FROM_USER, FROM_HOST FROM mysql.role_edges WHERE TO_USER = @user " +
        "UNION SELECT e.FROM_USER, e.FROM_HOST FROM mysql.role_edges e JOIN roles r ON e.TO_USER = r.name AND e.TO_HOST = r.host) ",
        "(User = @user OR (User, Host) IN (SELECT name, host FROM roles))",
        [PluginGrant, new("mysql.role_edges", "FROM_HOST, FROM_USER, TO_HOST, TO_USER"), new("mysql.global_grants", "USER, HOST, PRIV, WITH_GRANT_OPTION")]);

    private readonly MySqlFlavour _flavour;
    private readonly string _sql;
    private readonly ReadGrant[] _grants;

    private MySqlTargetCheck(MySqlFlavour flavour, string roles, string grantee, ReadGrant[] flavourGrants)
    {
        _flavour = flavour;
        var plugin = ReadsPlugin ? ", plugin" : "";
        var global = string.Join(", ", GlobalPrivileges.Select(p => p.Column));
        var database = string.Join(", ", DatabaseWritePrivileges.Select(p => p.Column));
        var anyDatabaseWrite = string.Join(" OR ", DatabaseWritePrivileges.Select(p => $"{p.Column} = 'Y'"));
        var statements = new List<string>
        {
            "SELECT CURRENT_USER(), USER()",
            // plugin last: the rotated account's own row says how its next login will go (see PasswordChannel).
            $"{roles}SELECT User, Host, {global}{plugin} FROM mysql.user WHERE {grantee}",
            // The server matches a database grant's Db as a pattern (% and _, escaped with a backslash).
            $"{roles}SELECT User, Host, Db, {database} FROM mysql.db WHERE {grantee} AND @schema LIKE Db ESCAPE @escape AND ({anyDatabaseWrite})",
            $"{roles}SELECT User, Host, Table_name, Table_priv FROM mysql.tables_priv WHERE {grantee} AND Db = @schema",
            $"{roles}SELECT User, Host, Table_name, Column_priv FROM mysql.columns_priv WHERE {grantee} AND Db = @schema",
        };
        if (flavour == MySqlFlavour.MySql8)
        {
            // Column names are case-insensitive: the grantee condition's User and Host name USER and HOST here.
            statements.Add($"{roles}SELECT USER, HOST, PRIV, WITH_GRANT_OPTION FROM mysql.global_grants WHERE {grantee}");
        }

        _sql = string.Join(";\n", statements);
        _grants =
        [
            new("mysql.user", $"User, Host, {global}"),
            new("mysql.db", $"User, Host, Db, {database}"),
            new("mysql.tables_priv", "User, Host, Db, Table_name, Table_priv"),
            new("mysql.columns_priv", "User, Host, Db, Table_name, Column_priv"),
            .. flavourGrants,
        ];
    }

    private bool ReadsPlugin => _flavour != MySqlFlavour.MariaDb;

    public static MySqlTargetCheck For(MySqlFlavour flavour) => flavour switch
    {
        MySqlFlavour.MariaDb => MariaDb,
        MySqlFlavour.MySql57 => MySql57,
        _ => MySql8,
    };

    /// <summary>The statements that let <paramref name="account"/> (already quoted) read what the check needs, and no password hash.</summary>
    public IEnumerable<string> ReadGrants(string account) =>
        _grants.Select(g => $"GRANT SELECT ({g.Columns}) ON {g.Table} TO {account};");

    /// <summary>Reads the verdict on <c>'<paramref name="user"/>'@'%'</c> and every account of that name.</summary>
    public async Task<MySqlTargetVerdict> ReadAsync(MySqlConnection connection, string user, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(_sql, connection);
        command.Parameters.AddWithValue("@user", user);
        command.Parameters.AddWithValue("@schema", "mysql");
        command.Parameters.AddWithValue("@escape", "\\");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("SELECT CURRENT_USER() returned no row");
        }

        var (current, session) = (SessionAccount.Parse(reader.GetString(0)), SessionAccount.Parse(reader.GetString(1)));
        if (string.Equals(user, current.User, StringComparison.Ordinal) || string.Equals(user, session.User, StringComparison.Ordinal))
        {
            return new MySqlTargetVerdict(current, new TargetVerdict(IsManagingUser: true, []));
        }

        var reasons = new List<string>();
        string? plugin = null;
        try
        {
            await NextAsync(reader, cancellationToken).ConfigureAwait(false);
            await ReadRowsAsync(
                reader,
                r =>
                {
                    if (ReadsPlugin && IsRotatedAccount(r, user))
                    {
                        plugin = r.IsDBNull(PluginColumn) ? null : r.GetString(PluginColumn);
                    }

                    return Held(r, GlobalPrivileges, offset: 2) is { Length: > 0 } held ? $"{Holder(r, user)} {held} ON *.*" : null;
                },
                reasons,
                cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, cancellationToken).ConfigureAwait(false);
            await ReadRowsAsync(reader, r => $"{Holder(r, user)} {Held(r, DatabaseWritePrivileges, offset: 3)} ON {Quoted(r.GetString(2))}.* (which covers `mysql`)", reasons, cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, cancellationToken).ConfigureAwait(false);
            await ReadRowsAsync(reader, r => Writes(r, TableWritePrivileges) is { Length: > 0 } held ? $"{Holder(r, user)} {held} ON `mysql`.{Quoted(r.GetString(2))}" : null, reasons, cancellationToken).ConfigureAwait(false);
            await NextAsync(reader, cancellationToken).ConfigureAwait(false);
            await ReadRowsAsync(reader, r => Writes(r, ColumnWritePrivileges) is { Length: > 0 } held ? $"{Holder(r, user)} {held} on columns of `mysql`.{Quoted(r.GetString(2))}" : null, reasons, cancellationToken).ConfigureAwait(false);
            if (_flavour == MySqlFlavour.MySql8)
            {
                await NextAsync(reader, cancellationToken).ConfigureAwait(false);
                await ReadRowsAsync(reader, r => Dynamic(r) is { } held ? $"{Holder(r, user)} {held}" : null, reasons, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (MySqlException ex) when (ex.ErrorCode is MySqlErrorCode.TableAccessDenied or MySqlErrorCode.ColumnAccessDenied or MySqlErrorCode.DatabaseAccessDenied)
        {
            // The server stopped the batch at the first statement the managing user may not run: nothing was changed.
            return new MySqlTargetVerdict(current, Target: null);
        }

        return new MySqlTargetVerdict(current, new TargetVerdict(IsManagingUser: false, reasons.Distinct(StringComparer.Ordinal).ToList()), plugin);
    }

    // The account ALTER USER changes: 'user'@'%' itself, not another host's account of that name or a role.
    private static bool IsRotatedAccount(DbDataReader row, string user) =>
        string.Equals(row.GetString(0), user, StringComparison.Ordinal)
        && string.Equals(row.GetString(1), MySqlAccounts.AnyHost, StringComparison.Ordinal);

    private static async Task NextAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("the privilege check returned fewer result sets than it has statements");
        }
    }

    private static async Task ReadRowsAsync(DbDataReader reader, Func<DbDataReader, string?> reason, List<string> reasons, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reason(reader) is { } found)
            {
                reasons.Add(found);
            }
        }
    }

    // The rotated account itself (or another host's account of the same name), or a role it was granted.
    private static string Holder(DbDataReader row, string user)
    {
        var (name, host) = (row.GetString(0), row.GetString(1));
        return string.Equals(name, user, StringComparison.Ordinal)
            ? $"{MySqlAccounts.Display(name, host)} holds"
            : $"it was granted role {MySqlAccounts.DisplayGrantee(name, host)}, which holds";
    }

    private static string Held(DbDataReader row, Privilege[] privileges, int offset) =>
        string.Join(", ", privileges.Where((_, i) => string.Equals(row.GetString(offset + i), "Y", StringComparison.OrdinalIgnoreCase)).Select(p => p.Name));

    private static string Writes(DbDataReader row, string[] privileges)
    {
        var held = row.GetString(3).Split(',', StringSplitOptions.TrimEntries);
        return string.Join(", ", privileges.Where(p => held.Contains(p, StringComparer.OrdinalIgnoreCase)).Select(p => p.ToUpperInvariant()));
    }

    private static string? Dynamic(DbDataReader row)
    {
        var privilege = row.GetString(2);
        var grantable = string.Equals(row.GetString(3), "Y", StringComparison.OrdinalIgnoreCase);
        return AdministrativeDynamicPrivileges.Contains(privilege) || grantable
            ? $"{privilege}{(grantable ? " WITH GRANT OPTION" : "")}"
            : null;
    }

    private static string Quoted(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    /// <summary>A privilege by its catalog column and its GRANT name.</summary>
    private sealed record Privilege(string Column, string Name);

    /// <summary>A column-level SELECT grant the check needs.</summary>
    private sealed record ReadGrant(string Table, string Columns);
}
