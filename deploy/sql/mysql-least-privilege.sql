-- Least-privilege setup for the rotator on MySQL 5.7/8.x, Aurora MySQL and MariaDB.
-- Run as an administrator, after replacing the names, the database and the passwords:
--   mysql -h <host> -u admin -p < deploy/sql/mysql-least-privilege.sql
--
-- The rotator changes the passwords of 'user1'@'%' and 'user2'@'%' with ALTER USER, logged in as
-- managing_user, then logs in as the rotated user to check the new password.

-- The managing user: may alter accounts (CREATE USER is the privilege ALTER USER needs) and nothing else of
-- the data. REQUIRE SSL keeps its password off plaintext connections; drop it only if the server has no TLS.
CREATE USER 'managing_user'@'%' IDENTIFIED BY '<strong managing password>' REQUIRE SSL;
GRANT CREATE USER ON *.* TO 'managing_user'@'%';
-- Lets the managing user connect with `app` as its default database (for no default database write
-- `database: ""` in the ESC inputs, which ESC requires, and leave this grant out).
GRANT ALTER ON app.* TO 'managing_user'@'%';

-- Read access to the account catalog, column by column, so that the rotator can refuse to rotate the managing
-- user or an administrative account (its new password would go to whoever reads the rotated credentials).
-- Without these grants every rotation fails, before any change, with a 400 naming them. No column here holds a
-- password hash: never grant Password, authentication_string or mysql.global_priv.
GRANT SELECT (User, Host, Super_priv, Create_user_priv, Grant_priv, File_priv, Insert_priv, Update_priv, Delete_priv,
              Create_priv, Drop_priv, Alter_priv) ON mysql.user TO 'managing_user'@'%';
GRANT SELECT (User, Host, Db, Insert_priv, Update_priv, Delete_priv, Create_priv, Drop_priv, Alter_priv)
      ON mysql.db TO 'managing_user'@'%';
GRANT SELECT (User, Host, Db, Table_name, Table_priv) ON mysql.tables_priv TO 'managing_user'@'%';
GRANT SELECT (User, Host, Db, Table_name, Column_priv) ON mysql.columns_priv TO 'managing_user'@'%';
-- MariaDB only (roles):
GRANT SELECT (User, Host, Role) ON mysql.roles_mapping TO 'managing_user'@'%';
-- MySQL 8.0+ and Aurora MySQL 3 only, instead of the MariaDB line (the rotated account's plugin, which decides
-- whether its first login after the change needs a verified certificate; roles and dynamic privileges; untested here):
-- GRANT SELECT (plugin) ON mysql.user TO 'managing_user'@'%';
-- GRANT SELECT (FROM_HOST, FROM_USER, TO_HOST, TO_USER) ON mysql.role_edges TO 'managing_user'@'%';
-- GRANT SELECT (USER, HOST, PRIV, WITH_GRANT_OPTION) ON mysql.global_grants TO 'managing_user'@'%';
-- MySQL 5.7 and Aurora MySQL 2: the four grants above and the one on plugin (uncommented), without the role lines.

-- The two application users that take turns. Give them the same privileges, so either can be current; the
-- rotator refuses administrative accounts (docs/protocol.md, "Which users the rotator refuses to rotate").
CREATE USER 'user1'@'%' IDENTIFIED BY '<initial password 1>';
CREATE USER 'user2'@'%' IDENTIFIED BY '<initial password 2>';
GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'user1'@'%', 'user2'@'%';
