#!/usr/bin/env bash
# Benchmark of the published bootstrap as Lambda runs it (through the local Runtime API host,
# tests/EscRotators.LocalRuntime), against throw-away PostgreSQL and MariaDB servers of its own. Not a test.
#
#   scripts/bench.sh [--cold N] [--warm N]
#
# For each engine, with Form A rotations of a least-privilege setup (PROTOCOL.md):
#   cold start  spawn → first reply (code 200), N fresh processes (default 10): median, min, max;
#               also spawn → first GET /next (the runtime's own init)
#   warm        N rotations in one process after one warm-up (default 50): median and p95 of the
#               per-invocation times (event handed out → reply posted)
#   peak RSS    VmHWM of the process before it is stopped: median of the cold runs, and the warm run
#   zip size    bootstrap.zip from scripts/package.sh (which also publishes the bootstrap measured)
# and prints a markdown table. Every step has a time limit; the servers are stopped (by PID) on exit.
# Numbers depend on the machine and its load: compare runs on the same machine only.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG=bench
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

COLD_RUNS=10
WARM_RUNS=50
while (($# > 0)); do
    case $1 in
        --cold) COLD_RUNS=${2:?missing value for --cold}; shift 2 ;;
        --warm) WARM_RUNS=${2:?missing value for --warm}; shift 2 ;;
        -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) esc_die "unknown argument $1 (see --help)" ;;
    esac
done
[[ $COLD_RUNS =~ ^[1-9][0-9]?$ && $WARM_RUNS =~ ^[1-9][0-9]{0,2}$ ]] || esc_die "--cold takes 1..99, --warm 1..999"

RUN_DIR=$REPO_DIR/.run/bench
SERVERS_DIR=$RUN_DIR/servers
HOST_DIR=$RUN_DIR/local-runtime
WORK=$(mktemp -d "${TMPDIR:-/tmp}/esc-bench.XXXXXX")
chmod 700 "$WORK"
mkdir -p "$RUN_DIR"

cleanup() {
    bash "$SCRIPT_DIR/servers.sh" stop --run-dir "$SERVERS_DIR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

command -v dotnet >/dev/null || esc_die "dotnet (the .NET 10 SDK) is required"
command -v python3 >/dev/null || esc_apt_install python3
started=$(esc_now)

# ---------------------------------------------------------------- build (bounded)
esc_log "publishing bootstrap and packaging it (scripts/package.sh)"
timeout 15m bash "$SCRIPT_DIR/package.sh" "$RUN_DIR/bootstrap.zip" >"$WORK/package.txt" || esc_die "package.sh failed"
BOOTSTRAP=$(sed -n 's/^bootstrap: //p' "$WORK/package.txt")
ZIP_SIZE=$(sed -n 's/^size: //p' "$WORK/package.txt")
BINARY_SIZE=$(stat -c %s "$BOOTSTRAP")

esc_log "building the local Runtime API host"
timeout 10m dotnet build "$REPO_DIR/tests/EscRotators.LocalRuntime/EscRotators.LocalRuntime.csproj" -c Release \
    -o "$HOST_DIR" -nologo -v quiet >"$WORK/host-build.log" 2>&1 || { cat "$WORK/host-build.log" >&2; esc_die "host build failed"; }
HOST=(dotnet "$HOST_DIR/EscRotators.LocalRuntime.dll")

# ---------------------------------------------------------------- servers and users
esc_log "starting PostgreSQL and MariaDB on 127.0.0.1 (run dir $SERVERS_DIR)"
timeout 5m bash "$SCRIPT_DIR/servers.sh" start --run-dir "$SERVERS_DIR" >"$WORK/servers.txt" || esc_die "servers.sh start failed"
# shellcheck disable=SC1091
. "$SERVERS_DIR/servers.env"

MGR_PW=$(openssl rand -hex 16)
U1_PW=$(openssl rand -hex 16)
esc_log "creating bench_manager (least privilege) and bench_user1 on both servers"
PGPASSWORD=$ESC_TEST_PG_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ESC_TEST_PG_PORT" -U "$ESC_TEST_PG_ADMIN_USER" -d esc_test \
    -v mgr="$MGR_PW" -v u1="$U1_PW" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP ROLE IF EXISTS bench_user1;
DROP ROLE IF EXISTS bench_manager;
CREATE ROLE bench_manager LOGIN CREATEROLE PASSWORD :'mgr';
CREATE ROLE bench_user1 LOGIN PASSWORD :'u1';
GRANT bench_user1 TO bench_manager WITH ADMIN OPTION;
SQL
MYSQL_PWD=$ESC_TEST_MYSQL_ADMIN_PASSWORD mariadb -h 127.0.0.1 -P "$ESC_TEST_MYSQL_PORT" -u "$ESC_TEST_MYSQL_ADMIN_USER" >/dev/null <<SQL
SET SESSION sql_log_off = 1;
DROP USER IF EXISTS 'bench_manager'@'%', 'bench_user1'@'%';
CREATE USER 'bench_manager'@'%' IDENTIFIED BY '$MGR_PW';
GRANT ALTER ON esc_test.* TO 'bench_manager'@'%';
GRANT CREATE USER ON *.* TO 'bench_manager'@'%';
CREATE USER 'bench_user1'@'%' IDENTIFIED BY '$U1_PW';
SQL

# events ENGINE PORT COUNT > FILE: COUNT Form A events (JSON lines), each with a fresh random newPassword.
events() {
    python3 - "$@" "$MGR_PW" <<'PY'
import json, secrets, string, sys
engine, port, count, manager = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
alphabet = string.ascii_letters + string.digits
for _ in range(count):
    print(json.dumps({"type": engine, "host": "127.0.0.1", "port": port, "database": "esc_test",
                      "managingUser": {"username": "bench_manager", "password": manager},
                      "rotateUser": {"username": "bench_user1",
                                     "newPassword": "".join(secrets.choice(alphabet) for _ in range(32))}}))
PY
}

# host NAME EVENTS_FILE: one bootstrap process through the local Runtime API; report in $WORK/NAME.json.
host() {
    local name=$1 events_file=$2
    (umask 077 && : >"$WORK/$name.out")
    if ! timeout 120 "${HOST[@]}" --bootstrap "$BOOTSTRAP" --report "$WORK/$name.json" \
        <"$events_file" >"$WORK/$name.out" 2>"$WORK/$name.log"; then
        esc_log "$name: a rotation did not reply code 200; first replies and log lines:"
        head -n 3 "$WORK/$name.out" | cut -c1-300 >&2
        tail -n 5 "$WORK/$name.log" | cut -c1-300 >&2
        esc_die "benchmark run $name failed"
    fi
}

for engine in postgres mysql; do
    if [[ $engine == postgres ]]; then port=$ESC_TEST_PG_PORT; else port=$ESC_TEST_MYSQL_PORT; fi
    esc_log "$engine: $COLD_RUNS cold starts"
    for ((i = 1; i <= COLD_RUNS; i++)); do
        (umask 077 && events "$engine" "$port" 1 >"$WORK/event.jsonl")
        host "$engine-cold-$i" "$WORK/event.jsonl"
    done
    esc_log "$engine: 1 warm-up + $WARM_RUNS warm rotations in one process"
    (umask 077 && events "$engine" "$port" $((WARM_RUNS + 1)) >"$WORK/events.jsonl")
    host "$engine-warm" "$WORK/events.jsonl"
done
rm -f "$WORK/event.jsonl" "$WORK/events.jsonl"

# ---------------------------------------------------------------- table
python3 - "$WORK" "$COLD_RUNS" "$ZIP_SIZE" "$BINARY_SIZE" "${ESC_TEST_PG_VERSION%% *}" "${ESC_TEST_MYSQL_VERSION%%-*}" <<'PY'
import json, math, os, statistics, sys
work, cold_runs, zip_size, binary_size, pg_version, my_version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]

def load(name):
    with open(os.path.join(work, name + ".json")) as f:
        return json.load(f)

def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

def ms(value):
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"

def mb(kb):
    return f"{kb / 1024:.1f} MB"

rows = []
for engine, label in (("postgres", f"PostgreSQL {pg_version}"), ("mysql", f"MariaDB {my_version}")):
    cold = [load(f"{engine}-cold-{i}") for i in range(1, cold_runs + 1)]
    cold_ms = [r["coldStartMs"] for r in cold]
    init_ms = [r["initMs"] for r in cold]
    cold_rss = [r["peakRssKb"] for r in cold if r["peakRssKb"] is not None]
    warm = load(f"{engine}-warm")
    warm_ms = [i["ms"] for i in warm["invocations"][1:]]    # the first one is the warm-up (cold) invocation
    rows.append([
        label,
        f"{ms(statistics.median(cold_ms))} ({ms(min(cold_ms))}–{ms(max(cold_ms))})",
        ms(statistics.median(init_ms)),
        ms(statistics.median(warm_ms)),
        ms(p95(warm_ms)),
        f"{mb(statistics.median(cold_rss))} / {mb(warm['peakRssKb'])}",
    ])

headers = ["engine", f"cold start ms, median (min–max), n={cold_runs}", "init ms (spawn → /next)",
           f"warm ms median, n={len(warm_ms)}", "warm ms p95", "peak RSS (VmHWM) cold / warm"]
print()
print("| " + " | ".join(headers) + " |")
print("|" + "|".join("---" for _ in headers) + "|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
print(f"bootstrap.zip: {zip_size / 1024 / 1024:.2f} MB ({zip_size} bytes); bootstrap: {binary_size / 1024 / 1024:.2f} MB ({binary_size} bytes)")
PY
echo "cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg); total time $(esc_elapsed "$started")s"
