-- Least-privilege setup for the rotator on PostgreSQL 13+ and Aurora PostgreSQL (the ADMIN OPTION form that
-- PostgreSQL 16+ requires; earlier versions accept it too).
-- Run as an administrator (on RDS: the master user), connected to the application database:
--   psql -h <host> -U postgres -d app -v ON_ERROR_STOP=1 -f deploy/sql/postgres-least-privilege.sql
--
-- The rotator changes the passwords of user1 and user2 with ALTER ROLE ... PASSWORD '<SCRAM verifier>',
-- logged in as managing_user, then logs in as the rotated user to check the new password.

-- The managing user: CREATEROLE, and ADMIN OPTION on exactly the two rotated roles. On PostgreSQL 16+ that
-- is what lets it alter them, and only them. NOINHERIT: membership in the rotated roles must not hand it
-- their privileges on the data.
-- The rotator refuses to rotate the managing user, and any role with administrative power (SUPERUSER,
-- CREATEROLE, REPLICATION, BYPASSRLS, ADMIN OPTION, or membership in a role with one of them or in
-- pg_execute_server_program / pg_write_server_files / pg_read_server_files); it reads that from pg_roles and
-- pg_auth_members, which every role may read, so no further grant is needed.
CREATE ROLE managing_user LOGIN CREATEROLE NOINHERIT;

-- One group role carries the application's privileges; both rotated users inherit it, so either can be
-- current and objects they create stay usable by the other.
CREATE ROLE app_rw NOLOGIN;
GRANT CONNECT ON DATABASE app TO app_rw;
GRANT USAGE ON SCHEMA public TO app_rw;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app_rw;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app_rw;

CREATE ROLE user1 LOGIN IN ROLE app_rw;
CREATE ROLE user2 LOGIN IN ROLE app_rw;
GRANT user1 TO managing_user WITH ADMIN OPTION;
GRANT user2 TO managing_user WITH ADMIN OPTION;

-- Passwords: psql's \password computes the SCRAM verifier locally, so the plaintext never reaches the server
-- or its logs. It prompts, so run these lines interactively (or set the passwords the same way later).
\password managing_user
\password user1
\password user2
