#!/usr/bin/env bash
# Local end-to-end demo: throwaway PostgreSQL and MariaDB on 127.0.0.1, least-privilege users as docs/protocol.md
# describes, then two Form B rotations per engine through the real Lambda path (the Native AOT `bootstrap` driven
# by a local Lambda Runtime API, 3 s deadline), showing the state alternate and the returned credentials log in.
# Passwords are never printed: only their length.
#
#   scripts/demo.sh            (installs what is missing, builds, runs, stops the servers it started)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG=demo
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"
# shellcheck source=lib/mysql-catalog-grants.sh
. "$SCRIPT_DIR/lib/mysql-catalog-grants.sh"

RUN_DIR=$REPO_DIR/.run/demo
SERVERS_DIR=$RUN_DIR/servers
WORK=$(mktemp -d "${TMPDIR:-/tmp}/esc-demo.XXXXXX")
chmod 700 "$WORK"

cleanup() {
    bash "$SCRIPT_DIR/servers.sh" stop --run-dir "$SERVERS_DIR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v dotnet >/dev/null || esc_die "dotnet (the .NET 10 SDK) is required"
command -v python3 >/dev/null || esc_apt_install python3

esc_log "building bootstrap (Native AOT) and the local Lambda Runtime API host"
bash "$SCRIPT_DIR/build-bootstrap.sh" "$RUN_DIR/bin" >/dev/null
BOOTSTRAP=$RUN_DIR/bin/bootstrap
dotnet build "$REPO_DIR/rotators/local-runtime/EscRotators.LocalRuntime.csproj" -c Release -nologo -v quiet \
    -o "$RUN_DIR/local-runtime" >/dev/null
LOCAL_LAMBDA=$RUN_DIR/local-runtime/EscRotators.LocalRuntime

esc_log "starting PostgreSQL and MariaDB on 127.0.0.1"
bash "$SCRIPT_DIR/servers.sh" start --run-dir "$SERVERS_DIR" >/dev/null
# shellcheck disable=SC1091
. "$SERVERS_DIR/servers.env"

# JSON in and out with python3 (ships with these machines); secrets stay in files of mode 0600.
json_get() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k] if d is not None else None
print("" if d is None else (json.dumps(d) if isinstance(d,(dict,list)) else d))' "$1" "$2"; }

# The managing user's password and the initial user passwords are random per run.
MGR_PW=$(openssl rand -hex 16)
U1_PW=$(openssl rand -hex 16)
U2_PW=$(openssl rand -hex 16)

esc_log "creating managing_user (least privilege), user1 and user2 on both servers"
PGPASSWORD=$ESC_TEST_PG_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ESC_TEST_PG_PORT" -U "$ESC_TEST_PG_ADMIN_USER" -d esc_test \
    -v mgr="$MGR_PW" -v u1="$U1_PW" -v u2="$U2_PW" >/dev/null <<'SQL'
CREATE ROLE managing_user LOGIN CREATEROLE PASSWORD :'mgr';
CREATE ROLE user1 LOGIN PASSWORD :'u1';
CREATE ROLE user2 LOGIN PASSWORD :'u2';
GRANT user1 TO managing_user WITH ADMIN OPTION;
GRANT user2 TO managing_user WITH ADMIN OPTION;
SQL
MYSQL_PWD=$ESC_TEST_MYSQL_ADMIN_PASSWORD mariadb -h 127.0.0.1 -P "$ESC_TEST_MYSQL_PORT" -u "$ESC_TEST_MYSQL_ADMIN_USER" >/dev/null <<SQL
CREATE USER 'managing_user'@'%' IDENTIFIED BY '$MGR_PW';
GRANT ALTER ON esc_test.* TO 'managing_user'@'%';
GRANT CREATE USER ON *.* TO 'managing_user'@'%';
$(mariadb_catalog_read_grants "'managing_user'@'%'")
CREATE USER 'user1'@'%' IDENTIFIED BY '$U1_PW';
CREATE USER 'user2'@'%' IDENTIFIED BY '$U2_PW';
GRANT SELECT ON esc_test.* TO 'user1'@'%', 'user2'@'%';
SQL

can_login() { # engine port user password -> prints ok / FAILED
    local engine=$1 port=$2 user=$3 pw=$4
    if [[ $engine == postgres ]]; then
        PGPASSWORD=$pw psql -X -q -h 127.0.0.1 -p "$port" -U "$user" -d esc_test -tAc 'SELECT 1' >/dev/null 2>&1 && echo ok || echo FAILED
    else
        MYSQL_PWD=$pw mariadb -h 127.0.0.1 -P "$port" -u "$user" -N -e 'SELECT 1' >/dev/null 2>&1 && echo ok || echo FAILED
    fi
}

rotate() { # engine port state-file-or-empty out-file
    local engine=$1 port=$2 state=$3 out=$4 event=$WORK/event.json
    python3 - "$engine" "$port" "$MGR_PW" "$state" >"$event" <<'PY'
import json, sys
engine, port, mgr, state = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
event = {"type": engine, "inputs": {
    "database": {"host": "127.0.0.1", "port": port, "database": "esc_test",
                 "managingUser": {"username": "managing_user", "password": mgr}},
    "rotateUsers": {"username1": "user1", "username2": "user2"}}}
if state:
    event["state"] = json.load(open(state))["state"]
print(json.dumps(event))
PY
    local started=$(esc_now) rc=0
    # The servers' CA as the Lambda-wide bundle, as a deployment ships its database's (MySQL's prefer logs in only
    # to a server whose certificate verifies: docs/protocol.md).
    "$LOCAL_LAMBDA" --bootstrap "$BOOTSTRAP" --timeout-ms 3000 --env "ESC_ROTATOR_CA_BUNDLE=$ESC_TEST_TLS_CA" "$event" >"$out" 2>"$WORK/log.txt" || rc=$?
    local ms=$(esc_elapsed "$started")
    rm -f "$event"
    if ((rc != 0)); then
        esc_log "rotation failed (exit $rc): $(json_get "$out" message)"
        cat "$WORK/log.txt" >&2
        exit 1
    fi
    sed 's/^/    log: /' "$WORK/log.txt"
    echo "    took ${ms}s (Lambda environment start, rotation with verification login, reply)"
}

show_state() { # engine port reply-file
    local engine=$1 port=$2 reply=$3 who pw
    echo "    reply: code $(json_get "$reply" code), message \"$(json_get "$reply" message)\""
    for slot in current previous; do
        who=$(json_get "$reply" "state.$slot.username")
        if [[ -z $who ]]; then
            echo "    state.$slot: null"
            continue
        fi
        pw=$(json_get "$reply" "state.$slot.password")
        echo "    state.$slot: $who / password of ${#pw} characters (hidden) -> login $(can_login "$engine" "$port" "$who" "$pw")"
    done
}

failures=0
for engine in postgres mysql; do
    if [[ $engine == postgres ]]; then port=$ESC_TEST_PG_PORT; name="PostgreSQL $ESC_TEST_PG_VERSION"; else port=$ESC_TEST_MYSQL_PORT; name="$ESC_TEST_MYSQL_VERSION"; fi
    echo
    echo "== $engine: $name on 127.0.0.1:$port"
    echo "  rotation 1 (no state yet): expect user1 rotated, previous null"
    rotate "$engine" "$port" "" "$WORK/$engine-1.json"
    show_state "$engine" "$port" "$WORK/$engine-1.json"
    echo "  rotation 2 (state from rotation 1): expect user2 rotated, previous = user1 still logging in"
    rotate "$engine" "$port" "$WORK/$engine-1.json" "$WORK/$engine-2.json"
    show_state "$engine" "$port" "$WORK/$engine-2.json"
    [[ $(json_get "$WORK/$engine-1.json" state.current.username) == user1 ]] || failures=$((failures + 1))
    [[ $(json_get "$WORK/$engine-2.json" state.current.username) == user2 ]] || failures=$((failures + 1))
    [[ $(json_get "$WORK/$engine-2.json" state.previous.username) == user1 ]] || failures=$((failures + 1))
    for slot in current previous; do
        [[ $(can_login "$engine" "$port" "$(json_get "$WORK/$engine-2.json" state.$slot.username)" "$(json_get "$WORK/$engine-2.json" state.$slot.password)") == ok ]] || failures=$((failures + 1))
    done
done

echo
if ((failures == 0)); then
    echo "demo: OK: both engines alternated user1 -> user2, and current and previous credentials log in"
else
    echo "demo: FAILED ($failures checks)"
    exit 1
fi
