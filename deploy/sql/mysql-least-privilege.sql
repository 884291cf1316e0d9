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

-- The two application users that take turns. Give them the same privileges, so either can be current.
CREATE USER 'user1'@'%' IDENTIFIED BY '<initial password 1>';
CREATE USER 'user2'@'%' IDENTIFIED BY '<initial password 2>';
GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'user1'@'%', 'user2'@'%';
