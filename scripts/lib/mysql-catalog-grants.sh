# shellcheck shell=bash
# The managing user's column-level read grants on MariaDB's account catalog, exactly as deploy/sql and
# docs/protocol.md ("Least-privilege setup") document them: they let the rotator refuse administrative accounts,
# and expose no password hash. Source this file, then:
#   mariadb_catalog_read_grants "'managing_user'@'%'"    # prints the GRANT statements
mariadb_catalog_read_grants() {
    local account=$1
    cat <<SQL
GRANT SELECT (User, Host, Super_priv, Create_user_priv, Grant_priv, File_priv, Insert_priv, Update_priv, Delete_priv,
              Create_priv, Drop_priv, Alter_priv) ON mysql.user TO $account;
GRANT SELECT (User, Host, Db, Insert_priv, Update_priv, Delete_priv, Create_priv, Drop_priv, Alter_priv)
      ON mysql.db TO $account;
GRANT SELECT (User, Host, Db, Table_name, Table_priv) ON mysql.tables_priv TO $account;
GRANT SELECT (User, Host, Db, Table_name, Column_priv) ON mysql.columns_priv TO $account;
GRANT SELECT (User, Host, Role) ON mysql.roles_mapping TO $account;
SQL
}
