#!/usr/bin/env bash
# Benchmark of the published bootstrap as Lambda runs it (through the local Runtime API host,
# rotators/local-runtime), against throw-away PostgreSQL and MariaDB servers of its own. Not a test.
#
#   scripts/bench.sh [--cold N] [--warm N] [--reference PATH] [--bootstrap PATH] [--host NAME]
#   scripts/bench.sh --secrets-manager --sm-reference DIR [--sm-single-user] [--sm-ssl absent|false]
#                    [--cold N] [--warm N] [--bootstrap PATH] [--host NAME]
#
# Form A rotations of a least-privilege setup, plain alphanumeric managing password, on loopback only:
#   init        spawn → first GET /next (the runtime's own start), median over every cold run
#   cold start  spawn → first reply (code 200), N fresh processes per engine (default 10): median (min–max)
#   warm        N rotations in one process after one warm-up (default 100): median and p95 of the
#               per-invocation times (event handed out → reply posted)
#   peak RSS    VmHWM of that warm process just before it is stopped
#   zip         the bootstrap alone, deflate level 9 (ours: bootstrap.zip from scripts/package.sh)
# Ours runs twice: TLS prefer (the default, with its verification login) and TLS off (ESC_ROTATOR_TLS_MODE=disable).
# --reference PATH  another Form A Lambda bootstrap (e.g. Pulumi's Go lambda) run side by side through the same
#                   Runtime API host, with the same servers and users. Cold starts are interleaved (every round
#                   starts one fresh process of every side, in rotating order) so that load hits all alike.
#                   Prints each figure for every side and the ratio ours / reference.
# --reference-ours  the reference is an earlier build of EscRotators: run it with ours' environment (the servers'
#                   CA bundle), so that its TLS prefer run compares with ours (without it, it gets none, as Go's).
# --bootstrap PATH  measure this build of ours instead of publishing one (no package step).
# --host NAME       the database host name in the events (default localhost; it must resolve to loopback). A name,
#                   as production endpoints are: with an IP literal .NET neither sends SNI nor resumes TLS sessions.
# --secrets-manager  instead, Secrets Manager rotations (the four steps) of secrets in AWS's format on a fake Secrets
#                   Manager (tests/secrets-manager-contract/fake, plain http on 127.0.0.1), side by side with AWS's
#                   Python rotation templates, read from --sm-reference DIR (a checkout of their folders, e.g.
#                   SecretsManagerRDSPostgreSQLRotationMultiUser/lambda_function.py; never part of this repository),
#                   run with Debian's python3 and python3-boto3, python3-pygresql, python3-pymysql (installed when
#                   missing). Multi-user on both engines; --sm-single-user adds single-user. Cold: ours as one Lambda
#                   process through the local runtime host (spawn → fourth reply) and as four `bootstrap invoke`
#                   processes; the template as a fresh python3 process (spawn → exit). Warm: N rotations in one
#                   process. --sm-ssl false gives the secrets "ssl": false (default: no ssl key). The templates read
#                   the CA file /etc/pki/tls/cert.pem: when it is missing, it is linked to the system bundle for the
#                   run and removed at exit. scripts/lib/sm_bench.py says what is measured and checked.
# Every step has a time limit; the servers are stopped (by PID) on exit. Numbers depend on the machine and its
# load: compare ratios from one run, or runs on the same machine.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG=bench
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"
# shellcheck source=lib/mysql-catalog-grants.sh
. "$SCRIPT_DIR/lib/mysql-catalog-grants.sh"

COLD_RUNS=10
WARM_RUNS=100
REFERENCE=""
REFERENCE_OURS=0
BOOTSTRAP=""
DB_HOST=localhost
SECRETS_MANAGER=0
SM_REFERENCE=""
SM_STRATEGIES=multi
SM_SSL=absent
while (($# > 0)); do
    case $1 in
        --cold) COLD_RUNS=${2:?missing value for --cold}; shift 2 ;;
        --warm) WARM_RUNS=${2:?missing value for --warm}; shift 2 ;;
        --reference) REFERENCE=${2:?missing value for --reference}; shift 2 ;;
        --reference-ours) REFERENCE_OURS=1; shift ;;
        --bootstrap) BOOTSTRAP=${2:?missing value for --bootstrap}; shift 2 ;;
        --host) DB_HOST=${2:?missing value for --host}; shift 2 ;;
        --secrets-manager) SECRETS_MANAGER=1; shift ;;
        --sm-reference) SM_REFERENCE=${2:?missing value for --sm-reference}; shift 2 ;;
        --sm-single-user) SM_STRATEGIES=multi,single; shift ;;
        --sm-ssl) SM_SSL=${2:?missing value for --sm-ssl}; shift 2 ;;
        -h | --help) sed -n '2,38p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) esc_die "unknown argument $1 (see --help)" ;;
    esac
done
# Test traffic stays on this machine: the name must resolve to loopback addresses only.
resolved=$(getent ahosts "$DB_HOST" | awk '{print $1}' | sort -u)
[[ -n $resolved ]] || esc_die "--host $DB_HOST does not resolve"
while read -r address; do
    [[ $address == 127.* || $address == ::1 ]] || esc_die "--host $DB_HOST resolves to $address, not loopback"
done <<<"$resolved"
[[ $COLD_RUNS =~ ^[1-9][0-9]?$ && $WARM_RUNS =~ ^[1-9][0-9]{0,2}$ ]] || esc_die "--cold takes 1..99, --warm 1..999"
absolute_executable() {
    [[ -f $2 && -x $2 ]] || esc_die "$1: $2 is not an executable file"
    echo "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
}
[[ -z $REFERENCE ]] || REFERENCE=$(absolute_executable --reference "$REFERENCE")
[[ -z $BOOTSTRAP ]] || BOOTSTRAP=$(absolute_executable --bootstrap "$BOOTSTRAP")
if ((SECRETS_MANAGER)); then
    [[ -z $REFERENCE ]] || esc_die "--reference (a Form A bootstrap) does not apply to --secrets-manager; use --sm-reference DIR"
    [[ -n $SM_REFERENCE ]] || esc_die "--secrets-manager needs --sm-reference DIR (AWS's rotation templates)"
    [[ $SM_SSL == absent || $SM_SSL == false ]] || esc_die "--sm-ssl takes absent or false"
    SM_REFERENCE=$(cd "$SM_REFERENCE" 2>/dev/null && pwd) || esc_die "--sm-reference: not a directory"
    for folder in PostgreSQL MariaDB; do
        for strategy in ${SM_STRATEGIES//,/ }; do
            [[ $strategy == multi ]] && kind=MultiUser || kind=SingleUser
            [[ -f $SM_REFERENCE/SecretsManagerRDS${folder}Rotation$kind/lambda_function.py ]] ||
                esc_die "--sm-reference: no SecretsManagerRDS${folder}Rotation$kind/lambda_function.py in $SM_REFERENCE"
        done
    done
elif [[ -n $SM_REFERENCE || $SM_STRATEGIES != multi || $SM_SSL != absent ]]; then
    esc_die "--sm-reference, --sm-single-user and --sm-ssl need --secrets-manager"
fi

RUN_DIR=$REPO_DIR/.run/bench
SERVERS_DIR=$RUN_DIR/servers
HOST_DIR=$RUN_DIR/local-runtime
WORK=$(mktemp -d "${TMPDIR:-/tmp}/esc-bench.XXXXXX")
chmod 700 "$WORK"
mkdir -p "$RUN_DIR"

# What this run added to /etc/pki for AWS's templates (the link, and directories it had to make), removed at exit.
SM_CREATED=()
cleanup() {
    bash "$SCRIPT_DIR/servers.sh" stop --run-dir "$SERVERS_DIR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    local i
    for ((i = ${#SM_CREATED[@]} - 1; i >= 0; i--)); do
        if [[ -L ${SM_CREATED[i]} ]]; then rm -f "${SM_CREATED[i]}"; else rmdir "${SM_CREATED[i]}" 2>/dev/null || true; fi
    done
}
trap cleanup EXIT

command -v dotnet >/dev/null || esc_die "dotnet (the .NET 10 SDK) is required"
command -v python3 >/dev/null || esc_apt_install python3
started=$(esc_now)

# zip_size FILE: bytes of a zip holding FILE alone as `bootstrap`, deflate level 9, as scripts/package.sh writes it.
zip_size() {
    python3 - "$1" "$WORK/size.zip" <<'PY'
import os, stat, sys, zipfile
with open(sys.argv[1], "rb") as f:
    data = f.read()
entry = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
entry.create_system = 3
entry.external_attr = (stat.S_IFREG | 0o755) << 16
with zipfile.ZipFile(sys.argv[2], "w") as archive:
    archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
print(os.path.getsize(sys.argv[2]))
PY
    rm -f "$WORK/size.zip"
}

# ---------------------------------------------------------------- build (bounded)
if [[ -z $BOOTSTRAP ]]; then
    esc_log "publishing bootstrap and packaging it (scripts/package.sh)"
    timeout 15m bash "$SCRIPT_DIR/package.sh" "$RUN_DIR/bootstrap.zip" >"$WORK/package.txt" || esc_die "package.sh failed"
    BOOTSTRAP=$(sed -n 's/^bootstrap: //p' "$WORK/package.txt")
    ZIP_SIZE=$(sed -n 's/^size: //p' "$WORK/package.txt")
else
    ZIP_SIZE=$(zip_size "$BOOTSTRAP")
fi
BINARY_SIZE=$(stat -c %s "$BOOTSTRAP")
REF_ZIP_SIZE=0
REF_BINARY_SIZE=0
if [[ -n $REFERENCE ]]; then
    REF_ZIP_SIZE=$(zip_size "$REFERENCE")
    REF_BINARY_SIZE=$(stat -c %s "$REFERENCE")
fi

esc_log "building the local Runtime API host"
timeout 10m dotnet build "$REPO_DIR/rotators/local-runtime/EscRotators.LocalRuntime.csproj" -c Release \
    -o "$HOST_DIR" -nologo -v quiet >"$WORK/host-build.log" 2>&1 || { cat "$WORK/host-build.log" >&2; esc_die "host build failed"; }
HOST=(dotnet "$HOST_DIR/EscRotators.LocalRuntime.dll")

# ---------------------------------------------------------------- servers and users
esc_log "starting PostgreSQL and MariaDB on 127.0.0.1 (run dir $SERVERS_DIR)"
timeout 5m bash "$SCRIPT_DIR/servers.sh" start --run-dir "$SERVERS_DIR" >"$WORK/servers.txt" || esc_die "servers.sh start failed"
# shellcheck disable=SC1091
. "$SERVERS_DIR/servers.env"

# ---------------------------------------------------------------- Secrets Manager mode
if ((SECRETS_MANAGER)); then
    # Debian's python3, whose packages provide what the templates import (pyenv's or a venv's would not see them).
    SM_PYTHON=/usr/bin/python3
    [[ -x $SM_PYTHON ]] || esc_apt_install python3
    "$SM_PYTHON" -c 'import boto3, pgdb, pymysql' 2>/dev/null || esc_apt_install python3-boto3 python3-pygresql python3-pymysql
    node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    ((node_major >= 20)) || esc_die "Node.js 20 or later runs the fake Secrets Manager (scripts/test-deploy.sh installs Debian's)"
    timeout 10m bash "$SCRIPT_DIR/test-secrets-manager-contract.sh" --install-only || esc_die "npm ci for the fake Secrets Manager failed"
    if [[ ! -e /etc/pki/tls/cert.pem ]]; then
        for dir in /etc/pki /etc/pki/tls; do
            [[ -d $dir ]] || { mkdir "$dir" && SM_CREATED+=("$dir"); }
        done
        ln -s /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/cert.pem && SM_CREATED+=(/etc/pki/tls/cert.pem)
        esc_log "linked /etc/pki/tls/cert.pem (AWS's templates read it) to the system CA bundle for this run"
    fi
    esc_log "Secrets Manager: ours and AWS's templates (${SM_STRATEGIES/,/ and }; postgres and mysql)"
    timeout 60m "$SM_PYTHON" "$SCRIPT_DIR/lib/sm_bench.py" --work "$WORK" --cold "$COLD_RUNS" --warm "$WARM_RUNS" \
        --db-host "$DB_HOST" --bootstrap "$BOOTSTRAP" --host-dll "$HOST_DIR/EscRotators.LocalRuntime.dll" \
        --fake-cli "$REPO_DIR/tests/secrets-manager-contract/fake/cli.mjs" --driver "$SCRIPT_DIR/lib/sm_template_driver.py" \
        --template-dir "$SM_REFERENCE" --strategies "$SM_STRATEGIES" --ssl "$SM_SSL" || esc_die "Secrets Manager benchmark failed"
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ); database host: $DB_HOST; PostgreSQL ${ESC_TEST_PG_VERSION%% *}, MariaDB ${ESC_TEST_MYSQL_VERSION%%-*}; python3 $("$SM_PYTHON" -c 'import platform, boto3; print(platform.python_version(), "boto3", boto3.__version__)'); cores: $(nproc); cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average: $(cut -d' ' -f1-3 /proc/loadavg); total time $(esc_elapsed "$started")s"
    exit 0
fi

# Plain alphanumeric: a reference may put the managing password into a connection string without escaping it.
MGR_PW=$(openssl rand -hex 16)
U1_PW=$(openssl rand -hex 16)
esc_log "creating bench_manager (least privilege) and bench_user1..4 on both servers"
PGPASSWORD=$ESC_TEST_PG_ADMIN_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$ESC_TEST_PG_PORT" -U "$ESC_TEST_PG_ADMIN_USER" -d esc_test \
    -v mgr="$MGR_PW" -v u1="$U1_PW" >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP ROLE IF EXISTS bench_user1, bench_user2, bench_user3, bench_user4;
DROP ROLE IF EXISTS bench_manager;
CREATE ROLE bench_manager LOGIN CREATEROLE PASSWORD :'mgr';
CREATE ROLE bench_user1 LOGIN PASSWORD :'u1';
CREATE ROLE bench_user2 LOGIN PASSWORD :'u1';
CREATE ROLE bench_user3 LOGIN PASSWORD :'u1';
CREATE ROLE bench_user4 LOGIN PASSWORD :'u1';
GRANT bench_user1, bench_user2, bench_user3, bench_user4 TO bench_manager WITH ADMIN OPTION;
SQL
MYSQL_PWD=$ESC_TEST_MYSQL_ADMIN_PASSWORD mariadb -h 127.0.0.1 -P "$ESC_TEST_MYSQL_PORT" -u "$ESC_TEST_MYSQL_ADMIN_USER" >/dev/null <<SQL
SET SESSION sql_log_off = 1;
DROP USER IF EXISTS 'bench_manager'@'%', 'bench_user1'@'%', 'bench_user2'@'%', 'bench_user3'@'%', 'bench_user4'@'%';
CREATE USER 'bench_manager'@'%' IDENTIFIED BY '$MGR_PW';
GRANT ALTER ON esc_test.* TO 'bench_manager'@'%';
GRANT CREATE USER ON *.* TO 'bench_manager'@'%';
$(mariadb_catalog_read_grants "'bench_manager'@'%'")
CREATE USER 'bench_user1'@'%' IDENTIFIED BY '$U1_PW';
CREATE USER 'bench_user2'@'%' IDENTIFIED BY '$U1_PW';
CREATE USER 'bench_user3'@'%' IDENTIFIED BY '$U1_PW';
CREATE USER 'bench_user4'@'%' IDENTIFIED BY '$U1_PW';
SQL

# events ENGINE PORT COUNT > FILE: COUNT Form A events (JSON lines), each with a fresh random newPassword.
# Consecutive events take turns among four users: back-to-back rotations of one user can meet the previous
# rotation's claim on it (a session lock), which the server drops only once that closed session has ended.
events() {
    python3 - "$@" "$MGR_PW" "$DB_HOST" <<'PY'
import json, secrets, string, sys
engine, port, count, manager, host = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
alphabet = string.ascii_letters + string.digits
for i in range(count):
    print(json.dumps({"type": engine, "host": host, "port": port, "database": "esc_test",
                      "managingUser": {"username": "bench_manager", "password": manager},
                      "rotateUser": {"username": f"bench_user{i % 4 + 1}",
                                     "newPassword": "".join(secrets.choice(alphabet) for _ in range(32))}}))
PY
}

# The sides measured: ours with TLS prefer, ours with TLS off, and the reference when given.
SIDES=(ours ours-off)
[[ -z $REFERENCE ]] || SIDES+=(reference)

# host SIDE NAME EVENTS_FILE: one process of SIDE through the local Runtime API; its report in $WORK/NAME.json.
host() {
    local side=$1 name=$2 events_file=$3 binary=$BOOTSTRAP
    # Ours trusts the servers' CA, as a deployment ships its database's bundle (MySQL's prefer needs a verified chain).
    local -a env_args=(--env "ESC_ROTATOR_CA_BUNDLE=$ESC_TEST_TLS_CA")
    case $side in
        ours-off) env_args+=(--env ESC_ROTATOR_TLS_MODE=disable) ;;
        reference)
            binary=$REFERENCE
            ((REFERENCE_OURS)) || env_args=()
            ;;
    esac
    (umask 077 && : >"$WORK/$name.out")
    if ! timeout 120 "${HOST[@]}" --bootstrap "$binary" "${env_args[@]}" --report "$WORK/$name.json" \
        <"$events_file" >"$WORK/$name.out" 2>"$WORK/$name.log"; then
        esc_log "$name: a rotation did not reply code 200; the first such reply and the last log lines:"
        grep -v -m 1 '"code":200' "$WORK/$name.out" | cut -c1-300 >&2
        grep -v -m 5 'INFO' "$WORK/$name.log" | cut -c1-300 >&2
        esc_die "benchmark run $name failed"
    fi
}

port_of() { if [[ $1 == postgres ]]; then echo "$ESC_TEST_PG_PORT"; else echo "$ESC_TEST_MYSQL_PORT"; fi; }

esc_log "$COLD_RUNS rounds of cold starts, interleaved (${SIDES[*]}; postgres and mysql)"
for ((i = 1; i <= COLD_RUNS; i++)); do
    for engine in postgres mysql; do
        for ((k = 0; k < ${#SIDES[@]}; k++)); do
            side=${SIDES[$(((i + k) % ${#SIDES[@]}))]}
            (umask 077 && events "$engine" "$(port_of "$engine")" 1 >"$WORK/event.jsonl")
            host "$side" "$side-$engine-cold-$i" "$WORK/event.jsonl"
        done
    done
done

for engine in postgres mysql; do
    esc_log "$engine: 1 warm-up + $WARM_RUNS warm rotations in one process per side"
    for side in "${SIDES[@]}"; do
        (umask 077 && events "$engine" "$(port_of "$engine")" $((WARM_RUNS + 1)) >"$WORK/events.jsonl")
        host "$side" "$side-$engine-warm" "$WORK/events.jsonl"
    done
done
rm -f "$WORK/event.jsonl" "$WORK/events.jsonl"

# ---------------------------------------------------------------- table
python3 - "$WORK" "$COLD_RUNS" "${ESC_TEST_PG_VERSION%% *}" "${ESC_TEST_MYSQL_VERSION%%-*}" \
    "$ZIP_SIZE" "$BINARY_SIZE" "$REF_ZIP_SIZE" "$REF_BINARY_SIZE" "${SIDES[@]}" <<'PY'
import json, math, os, statistics, sys
work, cold_runs, pg_version, my_version = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
zip_size, binary_size, ref_zip_size, ref_binary_size = (int(v) for v in sys.argv[5:9])
sides = sys.argv[9:]
has_reference = "reference" in sides

def load(name):
    with open(os.path.join(work, name + ".json")) as f:
        return json.load(f)

def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

def ms(value):
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"

def mb(size):
    return f"{size / 1024 / 1024:.2f} MB"

engines = (("postgres", f"PostgreSQL {pg_version}"), ("mysql", f"MariaDB {my_version}"))
figures = []   # (label, {side: (shown, value compared)})

init = {s: [load(f"{s}-{e}-cold-{i}")["initMs"] for e, _ in engines for i in range(1, cold_runs + 1)] for s in sides}
figures.append((f"runtime init (spawn → first /next), median of {2 * cold_runs}",
                {s: (f"{ms(statistics.median(v))} ms", statistics.median(v)) for s, v in init.items()}))
for engine, label in engines:
    cold = {s: [load(f"{s}-{engine}-cold-{i}")["coldStartMs"] for i in range(1, cold_runs + 1)] for s in sides}
    figures.append((f"cold start (spawn → first reply), {label}, median (min–max) of {cold_runs}",
                    {s: (f"{ms(statistics.median(v))} ({ms(min(v))}–{ms(max(v))}) ms", statistics.median(v))
                     for s, v in cold.items()}))
for engine, label in engines:
    warm = {s: load(f"{s}-{engine}-warm") for s in sides}
    times = {s: [i["ms"] for i in w["invocations"][1:]] for s, w in warm.items()}  # [0] is the warm-up
    n = len(times["ours"])
    figures.append((f"warm rotation, {label}, median / p95 of {n}",
                    {s: (f"{ms(statistics.median(v))} / {ms(p95(v))} ms", statistics.median(v)) for s, v in times.items()}))
    figures.append((f"peak RSS (VmHWM), {n + 1} rotations in one process, {label}",
                    {s: (mb(w["peakRssKb"] * 1024), w["peakRssKb"]) for s, w in warm.items() if w["peakRssKb"] is not None}))
figures.append(("zip (deflate, bootstrap only)",
                {"ours": (mb(zip_size), zip_size), "reference": (mb(ref_zip_size), ref_zip_size)}))
figures.append(("bootstrap binary",
                {"ours": (mb(binary_size), binary_size), "reference": (mb(ref_binary_size), ref_binary_size)}))

def shown(values, side):
    return values.get(side, ("", None))[0]

def ratio(values, side):
    ours, ref = values.get(side, ("", None))[1], values.get("reference", ("", None))[1]
    return f"{ours / ref:.2f}×" if ours is not None and ref else ""

headers = ["", "ours, TLS prefer", "ours, TLS off"]
if has_reference:
    headers += ["reference", "ratio, TLS prefer", "ratio, TLS off"]
print()
print("| " + " | ".join(headers) + " |")
print("|" + "|".join("---" for _ in headers) + "|")
for label, values in figures:
    row = [label, shown(values, "ours"), shown(values, "ours-off")]
    if has_reference:
        row += [shown(values, "reference"), ratio(values, "ours"), ratio(values, "ours-off")]
    print("| " + " | ".join(row) + " |")
print()
PY
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); database host: $DB_HOST; cores: $(nproc); cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); load average: $(cut -d' ' -f1-3 /proc/loadavg); total time $(esc_elapsed "$started")s"
