namespace EscRotators.MySql;

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
