-- Run once as root over the socket after the server starts (scripts/servers.sh), after the anonymous
-- users are dropped. The admin account's password is created separately, through stdin, never here.
CREATE DATABASE esc_test CHARACTER SET utf8mb4;
