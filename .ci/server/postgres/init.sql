-- Run once as esc_admin after the server starts (scripts/servers.sh).
-- The groups pg_hba.conf names: tests make a login a member to get that authentication rule.
CREATE ROLE esc_hostssl_only NOLOGIN;
CREATE ROLE esc_md5_login NOLOGIN;
CREATE DATABASE esc_test;
