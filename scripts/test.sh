#!/usr/bin/env bash
# Runs the whole EscRotators test suite against throw-away local servers.
#
#   scripts/test.sh [--postgres-versions "15 13 18"] [--quick] [extra dotnet test args...]
#
# 1. Ensures prerequisites (Debian packages via scripts/servers.sh, python3 for
#    reading the .trx results; the .NET SDK must already be on PATH, at the
#    version global.json pins).
# 2. Starts PostgreSQL 15 (Debian) + MariaDB (scripts/servers.sh, run dir
#    <repo>/.run/test-servers) while building the solution once (Release).
# 3. Run "postgres 15 + mariadb": every test project of the solution
#    (unit + integration), with ESC_TEST_REQUIRE_SERVERS=1 so that server-backed
#    fixtures fail instead of skipping.
# 4. For each additional PostgreSQL major (--postgres-versions; default "13 18"
#    when CI=true, none otherwise): restarts only PostgreSQL at that major and
#    runs the integration tests with --filter "Category=Postgres".
# 5. Stops the servers, sums up all .trx files and prints, as the very last
#    line, "N passed, N failed" (", N skipped" when any were skipped).
#    When scripts/test-deploy.sh exists (also with --quick), its counts (its last
#    stdout line "N passed, N failed") are part of that sum.
#
# --quick              only step 3 (no additional PostgreSQL majors)
# extra arguments      passed to every 'dotnet test' call (e.g. --filter ...)
# Environment:
#   ESC_TEST_POSTGRES_VERSIONS  default for --postgres-versions
#   ESC_TEST_HANG_TIMEOUT       per test run hang timeout (default 20m)
#
# Exit status 0 only if every 'dotnet test' run succeeded, no test failed and
# at least one test passed. Results: <repo>/.run/test-results/<run>/*.trx
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG="test" # used by lib/common.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC2034
. "$SCRIPT_DIR/lib/common.sh"

SERVERS=$SCRIPT_DIR/servers.sh
RUN_DIR=$REPO_DIR/.run/test-servers
RESULTS_ROOT=$REPO_DIR/.run/test-results
BASE_PG=15
HANG_TIMEOUT=${ESC_TEST_HANG_TIMEOUT:-20m}

# ------------------------------------------------------------- arguments
if [[ -n ${ESC_TEST_POSTGRES_VERSIONS+x} ]]; then
    PG_VERSIONS=$ESC_TEST_POSTGRES_VERSIONS
elif [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
    PG_VERSIONS="13 18"
else
    PG_VERSIONS=""
fi
QUICK=0
EXTRA_ARGS=()
while (($# > 0)); do
    case $1 in
        --postgres-versions | --postgres-version) PG_VERSIONS=${2-}; shift 2 || shift ;;
        --postgres-versions=* | --postgres-version=*) PG_VERSIONS=${1#*=}; shift ;;
        --quick) QUICK=1; shift ;;
        -h | --help) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; EXTRA_ARGS+=("$@"); break ;;
        *) EXTRA_ARGS+=("$1"); shift ;;
    esac
done
# Additional majors: everything but the base (which always runs first), deduplicated.
EXTRA_PG=()
if ((QUICK == 0)); then
    for v in $PG_VERSIONS; do
        [[ $v == "$BASE_PG" ]] && continue
        dup=0
        for e in "${EXTRA_PG[@]}"; do [[ $e == "$v" ]] && dup=1; done
        ((dup)) || EXTRA_PG+=("$v")
    done
fi

# --------------------------------------------------------------- state
RUN_NAMES=()    # results sub-directory per run
RUN_LABELS=()   # human label per run
RUN_RCS=()      # dotnet test exit code per run ("" = not run)
RUN_NOTES=()    # extra remark per run
SETUP_FAILURES=0
PYTHON=""      # python3 with xml.etree, set under prerequisites
SETUP_NOTES=()
SERVERS_UP=0
BG_PID=""

stop_servers() {
    if [[ -n $BG_PID ]]; then
        wait "$BG_PID" 2>/dev/null || true
        BG_PID=""
    fi
    if ((SERVERS_UP)) || [[ -f $RUN_DIR/postgres.pid || -f $RUN_DIR/mariadb.pid ]]; then
        "$SERVERS" stop --run-dir "$RUN_DIR" >&2 || esc_warn "servers.sh stop failed"
    fi
    SERVERS_UP=0
}
on_exit() {
    local rc=$?
    stop_servers
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------- summary
# trx_counts FILE... -> "PASSED FAILED SKIPPED" then "failed: NAME" lines, read with an XML parser.
trx_counts() { "$PYTHON" "$SCRIPT_DIR/lib/trx_counts.py" "$@"; }

# Prints the per-run lines and the final line; returns the exit status.
summarize() {
    local tp=0 tf=0 ts=0 ok=1 i name label rc dir
    echo
    echo "==================== test summary ===================="
    for ((i = 0; i < ${#SETUP_NOTES[@]}; i++)); do
        echo "setup: ${SETUP_NOTES[i]}"
    done
    ((SETUP_FAILURES > 0)) && ok=0
    for ((i = 0; i < ${#RUN_NAMES[@]}; i++)); do
        name=${RUN_NAMES[i]}
        label=${RUN_LABELS[i]}
        rc=${RUN_RCS[i]}
        dir=$RESULTS_ROOT/$name
        local p=0 fl=0 s=0 n=0 notes=${RUN_NOTES[i]} counts="" failed_names=""
        if [[ -f $dir/counts ]]; then
            # A run that is not a .NET test run (the deploy tests) left its own "PASSED FAILED" counts.
            read -r p fl <"$dir/counts"
            n=1
        else
            shopt -s nullglob
            local files=("$dir"/*.trx)
            shopt -u nullglob
            n=${#files[@]}
            if ((n > 0)); then
                if counts=$(trx_counts "${files[@]}"); then
                    read -r p fl s <<<"${counts%%$'\n'*}"
                    failed_names=$(grep '^failed: ' <<<"$counts" | head -n 20 || true)
                else
                    ok=0
                    fl=$((fl + 1))
                    notes+="${notes:+; }a .trx file could not be read: counted as 1 failure"
                fi
            fi
        fi
        if [[ -z $rc ]]; then
            ok=0
            fl=$((fl + 1))
            notes+="${notes:+; }not run (servers did not start): counted as 1 failure"
        elif ((n == 0)); then
            ok=0
            fl=$((fl + 1))
            if [[ $name == deploy ]]; then
                notes+="${notes:+; }scripts/test-deploy.sh exited $rc without a last line \"N passed, N failed\": counted as 1 failure"
            else
                notes+="${notes:+; }dotnet test exited $rc without producing a .trx (crash?): counted as 1 failure"
            fi
        elif ((rc != 0)); then
            ok=0
            if ((fl == 0)); then
                fl=1
                notes+="${notes:+; }exited $rc with no failed test (run aborted/crashed?): counted as 1 failure"
            fi
        fi
        if ((n > 0 && p == 0 && fl == 0)); then
            # e.g. --filter "Category=Postgres" matched nothing: the run tested nothing.
            ok=0
            fl=1
            notes+="${notes:+; }no test executed: counted as 1 failure"
        fi
        local line="$label: $p passed, $fl failed"
        ((s > 0)) && line+=", $s skipped"
        [[ -n $notes ]] && line+="  ($notes)"
        echo "$line"
        [[ -n $failed_names ]] && sed 's/^/    /' <<<"$failed_names"
        tp=$((tp + p))
        tf=$((tf + fl))
        ts=$((ts + s))
    done
    tf=$((tf + SETUP_FAILURES))
    ((tf > 0 || tp == 0)) && ok=0
    echo "results: $RESULTS_ROOT"
    local final="$tp passed, $tf failed"
    ((ts > 0)) && final+=", $ts skipped"
    echo "$final"
    ((ok)) && return 0 || return 1
}

finish() {
    # Stop servers first so that nothing is printed after the final line.
    stop_servers
    trap - EXIT
    summarize
    exit $?
}

setup_failure() {
    SETUP_FAILURES=$((SETUP_FAILURES + 1))
    SETUP_NOTES+=("$1")
    esc_log "ERROR: $1"
}

# ---------------------------------------------------------- prerequisites
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! command -v dotnet >/dev/null 2>&1; then
    setup_failure "the .NET SDK ('dotnet') is not on PATH: install the .NET 10 SDK first"
    finish
fi
# The .trx results are read with Python's XML parser (xml.etree is in Debian's "python3", not "python3-minimal").
PYTHON=$(command -v python3 || true)
if [[ -z $PYTHON ]] || ! "$PYTHON" -c 'import xml.etree.ElementTree' 2>/dev/null; then
    (esc_apt_install python3) || true
    PYTHON=$(command -v python3 || true)
    if [[ -z $PYTHON ]] || ! "$PYTHON" -c 'import xml.etree.ElementTree' 2>/dev/null; then
        PYTHON=/bin/false
        setup_failure "python3 with xml.etree (Debian package python3) is needed to read the .trx results"
        finish
    fi
fi
SLN=$REPO_DIR/EscRotators.sln
if [[ ! -f $SLN ]]; then
    SLN=$(ls "$REPO_DIR"/*.sln "$REPO_DIR"/*.slnx 2>/dev/null | head -n 1 || true)
    [[ -n $SLN ]] || { setup_failure "no solution file in $REPO_DIR"; finish; }
fi

# Test projects of the solution (csproj with IsTestProject=true or Microsoft.NET.Test.Sdk).
list_test_projects() {
    local p
    {
        grep -o '"[^"]*\.csproj"' "$SLN" 2>/dev/null | tr -d '"' | tr '\\' '/'
        grep -o 'Path="[^"]*\.csproj"' "$SLN" 2>/dev/null | sed 's/^Path="//; s/"$//' | tr '\\' '/'
    } | sort -u | while IFS= read -r p; do
        [[ -f $REPO_DIR/$p ]] || continue
        if grep -qiE '<IsTestProject>[[:space:]]*true|Microsoft\.NET\.Test\.Sdk' "$REPO_DIR/$p"; then
            printf '%s\n' "$p"
        fi
    done | sort -t/ -k2 | awk '/Unit/ { print; next } { rest[++n] = $0 } END { for (i = 1; i <= n; i++) print rest[i] }'
}
mapfile -t TEST_PROJECTS < <(list_test_projects)
INTEGRATION_PROJECT=tests/EscRotators.IntegrationTests/EscRotators.IntegrationTests.csproj
for p in "${TEST_PROJECTS[@]}"; do
    [[ $p == *IntegrationTests* ]] && INTEGRATION_PROJECT=$p
done

rm -rf "$RESULTS_ROOT"
mkdir -p "$RESULTS_ROOT"
T_ALL=$(esc_now)

# ------------------------------------- servers (background) + build (foreground)
SERVERS_LOG=$RESULTS_ROOT/servers-start.log
esc_log "starting PostgreSQL $BASE_PG + MariaDB in the background (log: $SERVERS_LOG)"
(
    exec >"$SERVERS_LOG" 2>&1
    t=$(esc_now)
    "$SERVERS" start --run-dir "$RUN_DIR" --postgres-version "$BASE_PG" || exit 1
    echo "servers ready after $(esc_elapsed "$t")s"
    if ((${#EXTRA_PG[@]} > 0)); then
        # Prefetch the other PostgreSQL majors' binaries while the build runs.
        "$SERVERS" prepare --only postgres --postgres-version "${EXTRA_PG[*]}" \
            || echo "prefetch of PostgreSQL ${EXTRA_PG[*]} failed (will retry later)"
    fi
    exit 0
) &
BG_PID=$!
SERVERS_UP=1

esc_log "building $(basename "$SLN") (Release)"
T_BUILD=$(esc_now)
BUILD_OK=1
if ! dotnet build "$SLN" -c Release -nologo; then
    BUILD_OK=0
fi
# The Native AOT bootstrap, published once: the Lambda end-to-end tests drive this very binary.
if ((BUILD_OK == 1)) && [[ -z ${ESC_TEST_BOOTSTRAP:-} ]]; then
    if ESC_TEST_BOOTSTRAP=$(bash "$SCRIPT_DIR/build-bootstrap.sh" "$REPO_DIR/.run/test-bin"); then
        export ESC_TEST_BOOTSTRAP
    else
        BUILD_OK=0
    fi
fi
esc_log "build finished in $(esc_elapsed "$T_BUILD")s"

wait "$BG_PID"
SERVERS_RC=$?
BG_PID=""
sed 's/^/  /' "$SERVERS_LOG" >&2

if ((BUILD_OK == 0)); then
    setup_failure "dotnet build failed"
    finish
fi
if ((${#TEST_PROJECTS[@]} == 0)); then
    setup_failure "no test projects found in $(basename "$SLN")"
    finish
fi

export ESC_TEST_REQUIRE_SERVERS=1

# MySQL 8.0/8.4 tests (Category=Docker) run in Testcontainers containers. Without a reachable Docker engine they
# are left out of every run (not skipped: CI reports zero skipped tests), and the summary says so.
NO_DOCKER=0
if ! timeout 30 docker info >/dev/null 2>&1; then
    NO_DOCKER=1
    SETUP_NOTES+=("MySQL 8.0/8.4 (Testcontainers): not run: no Docker engine on this machine")
    esc_log "MySQL 8.0/8.4 (Testcontainers): not run: no Docker engine on this machine"
fi

# merge_filters ARGS... -> TEST_ARGS: ARGS with every --filter joined into one (AND), plus Category!=Docker
# when there is no Docker engine (dotnet test honours only one --filter).
merge_filters() {
    local -a filters=() settings=()
    local f joined=""
    TEST_ARGS=()
    while (($# > 0)); do
        case $1 in
            --) settings=("$@"); break ;; # inline run settings stay last
            --filter) [[ -n ${2-} ]] && filters+=("$2"); shift 2 || shift ;;
            --filter=*) [[ -n ${1#*=} ]] && filters+=("${1#*=}"); shift ;;
            *) TEST_ARGS+=("$1"); shift ;;
        esac
    done
    ((NO_DOCKER)) && filters+=("Category!=Docker")
    if ((${#filters[@]} == 1)); then
        joined=${filters[0]}
    else
        for f in "${filters[@]}"; do joined+="${joined:+&}($f)"; done
    fi
    [[ -n $joined ]] && TEST_ARGS+=(--filter "$joined")
    TEST_ARGS+=("${settings[@]}")
}

# run_tests NAME LABEL [dotnet test args...] -- PROJECT...
run_tests() {
    local name=$1 label=$2
    shift 2
    local -a args=()
    while (($# > 0)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
    shift
    local dir=$RESULTS_ROOT/$name rc=0 proj base t
    mkdir -p "$dir"
    t=$(esc_now)
    merge_filters "${args[@]}" "${EXTRA_ARGS[@]}"
    for proj in "$@"; do
        base=$(basename "$proj" .csproj)
        esc_log "[$label] dotnet test $proj ${TEST_ARGS[*]}"
        dotnet test "$REPO_DIR/$proj" -c Release --no-build \
            --logger "trx;LogFileName=$name-$base.trx" --results-directory "$dir" \
            --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
            "${TEST_ARGS[@]}" || rc=$?
    done
    esc_log "[$label] finished in $(esc_elapsed "$t")s (exit $rc)"
    # Keep the server logs of this run next to its results.
    mkdir -p "$dir/server-logs"
    cp -f "$RUN_DIR"/logs/* "$dir/server-logs/" 2>/dev/null || true
    RUN_RCS[${#RUN_RCS[@]} - 1]=$rc
}

add_run() { # add_run NAME LABEL -> registers a run (rc unknown yet)
    RUN_NAMES+=("$1")
    RUN_LABELS+=("$2")
    RUN_RCS+=("")
    RUN_NOTES+=("")
}

# ---------------------------------------------------- run 1: PG 15 + MariaDB
add_run "pg$BASE_PG-mariadb" "postgres $BASE_PG + mariadb"
if ((SERVERS_RC != 0)) || [[ ! -f $RUN_DIR/servers.env ]]; then
    esc_log "ERROR: servers did not start (see above)"
else
    # shellcheck disable=SC1091
    . "$RUN_DIR/servers.env"
    RUN_LABELS[0]="postgres $ESC_TEST_PG_MAJOR + mariadb"
    esc_log "PostgreSQL $ESC_TEST_PG_VERSION on port $ESC_TEST_PG_PORT, MariaDB $ESC_TEST_MYSQL_VERSION on port $ESC_TEST_MYSQL_PORT"
    run_tests "pg$BASE_PG-mariadb" "${RUN_LABELS[0]}" -- "${TEST_PROJECTS[@]}"
fi

# --------------------------------------------- runs 2..: other PostgreSQL majors
for v in "${EXTRA_PG[@]}"; do
    name="pg$v"
    add_run "$name" "postgres $v"
    idx=$((${#RUN_NAMES[@]} - 1))
    esc_log "restarting PostgreSQL at version $v"
    if ! "$SERVERS" start --run-dir "$RUN_DIR" --only postgres --postgres-version "$v" >&2; then
        esc_log "ERROR: PostgreSQL $v did not start"
        continue
    fi
    # Fresh PG_* values; MariaDB values (still running) stay as they are.
    # shellcheck disable=SC1091
    . "$RUN_DIR/servers.env"
    esc_log "PostgreSQL $ESC_TEST_PG_VERSION on port $ESC_TEST_PG_PORT (tls=$ESC_TEST_PG_TLS)"
    ((ESC_TEST_PG_TLS == 1)) || RUN_NOTES[idx]="server without TLS"
    run_tests "$name" "postgres $v" --filter "Category=Postgres" -- "$INTEGRATION_PROJECT"
done

# ------------------------------------------------- deploy tests (deploy/pulumi)
# scripts/test-deploy.sh, when present, runs the deployment program's own tests (npm ci, tsc --noEmit and the
# Pulumi-mock tests with npm test in deploy/pulumi); its last stdout line is
# "N passed, N failed". A non-zero exit without that line counts as one failure.
DEPLOY_TESTS=$SCRIPT_DIR/test-deploy.sh
run_deploy_tests() {
    local dir=$RESULTS_ROOT/deploy rc t last
    mkdir -p "$dir"
    t=$(esc_now)
    esc_log "[deploy] bash scripts/test-deploy.sh"
    bash "$DEPLOY_TESTS" </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log"
    rc=$?
    # Indented, so that only the final summary stands alone as a counts line.
    sed 's/^/  /' "$dir/stdout.log" "$dir/stderr.log" >&2
    last=$(tail -n 1 "$dir/stdout.log")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        printf '%s %s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" >"$dir/counts"
    fi
    esc_log "[deploy] finished in $(esc_elapsed "$t")s (exit $rc)"
    RUN_RCS[${#RUN_RCS[@]} - 1]=$rc
}
if [[ -f $DEPLOY_TESTS ]]; then
    add_run deploy "deploy (pulumi)"
    run_deploy_tests
fi

add_run sm-contract "secrets manager contract (node)"; bash "$SCRIPT_DIR/test-secrets-manager-contract.sh" --counts "$RESULTS_ROOT/sm-contract/counts" </dev/null 2>&1 | sed 's/^/  /' >&2; RUN_RCS[${#RUN_RCS[@]} - 1]=${PIPESTATUS[0]} # the fake Secrets Manager against the official AWS client

esc_log "all test runs finished in $(esc_elapsed "$T_ALL")s"
finish
