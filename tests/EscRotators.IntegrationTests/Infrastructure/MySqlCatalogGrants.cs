namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The column-level read grants on the account catalog that docs/protocol.md ("Least-privilege setup") asks of the
/// managing user, written out here as the documentation does, not taken from the product: the suite then proves that
/// the documented grants suffice. No column holds a password hash.
/// </summary>
public static class MySqlCatalogGrants
{
    /// <summary>MariaDB (mysql.user is a view on 10.4+; roles in mysql.roles_mapping).</summary>
    public static IReadOnlyList<string> MariaDb(string account) =>
    [
        .. Common(account),
        $"GRANT SELECT (User, Host, Role) ON mysql.roles_mapping TO {account}",
    ];

    /// <summary>
    /// MySQL 8.0+ (the rotated account's plugin, which ALTER USER keeps; roles in mysql.role_edges, dynamic privileges
    /// in mysql.global_grants).
    /// </summary>
    public static IReadOnlyList<string> MySql8(string account) =>
    [
        .. Common(account),
        $"GRANT SELECT (plugin) ON mysql.user TO {account}",
        $"GRANT SELECT (FROM_HOST, FROM_USER, TO_HOST, TO_USER) ON mysql.role_edges TO {account}",
        $"GRANT SELECT (USER, HOST, PRIV, WITH_GRANT_OPTION) ON mysql.global_grants TO {account}",
    ];

    private static string[] Common(string account) =>
    [
        "GRANT SELECT (User, Host, Super_priv, Create_user_priv, Grant_priv, File_priv, Insert_priv, Update_priv, Delete_priv, " +
        $"Create_priv, Drop_priv, Alter_priv) ON mysql.user TO {account}",
        $"GRANT SELECT (User, Host, Db, Insert_priv, Update_priv, Delete_priv, Create_priv, Drop_priv, Alter_priv) ON mysql.db TO {account}",
        $"GRANT SELECT (User, Host, Db, Table_name, Table_priv) ON mysql.tables_priv TO {account}",
        $"GRANT SELECT (User, Host, Db, Table_name, Column_priv) ON mysql.columns_priv TO {account}",
    ];
}
