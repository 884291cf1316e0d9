# shellcheck shell=bash
# Shared helpers for the scripts in scripts/.
# Source this file; it defines functions only (plus a few read-only defaults).

# Prefix for log lines; callers may override before sourcing or later.
: "${ESC_LOG_TAG:=esc}"

esc_log() { printf '[%s] %s\n' "$ESC_LOG_TAG" "$*" >&2; }
esc_warn() { printf '[%s] WARNING: %s\n' "$ESC_LOG_TAG" "$*" >&2; }
esc_die() {
    printf '[%s] ERROR: %s\n' "$ESC_LOG_TAG" "$*" >&2
    exit 1
}

# Single-quote a value for safe use in a shell script: abc'd -> 'abc'\''d'
esc_quote() {
    local s=$1
    printf "'%s'" "${s//\'/\'\\\'\'}"
}

# Monotonic-ish wall clock with sub-second precision (bash 5: EPOCHREALTIME).
esc_now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        printf '%s' "${EPOCHREALTIME/,/.}"
    else
        date +%s.%N
    fi
}

# esc_elapsed START -> seconds since START with one decimal, e.g. "2.3"
esc_elapsed() {
    local start=$1 now
    now=$(esc_now)
    awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

# Run a command as another system user (root only), from a neutral cwd and a
# clean libpq/locale environment. stdin/stdout/stderr are passed through.
esc_as_user() {
    local user=$1
    shift
    local home
    home=$(getent passwd "$user" | cut -d: -f6)
    [[ -d $home ]] || home=/
    local -a envs=(env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGDATABASE
        -u PGPASSWORD -u PGPASSFILE -u PGSSLMODE -u PGOPTIONS -u PGDATA
        -u MYSQL_PWD -u MYSQL_HOST -u MYSQL_TCP_PORT
        HOME="$home" LC_ALL=C LANG=C)
    if command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "$user" -- "${envs[@]}" "$@")
    else
        local cmd
        cmd=$(printf '%q ' "${envs[@]}" "$@")
        (cd / && su "$user" -s /bin/sh -c "$cmd")
    fi
}

# True if the given system user can traverse/read PATH.
esc_user_can_access() {
    local user=$1 path=$2
    esc_as_user "$user" test -x "$path" -a -r "$path" 2>/dev/null
}

# Is a TCP port on 127.0.0.1 currently in use (listening)?
esc_port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Htln "sport = :$port" 2>/dev/null) ]]
    else
        # Connection succeeds -> something listens there.
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# Print a free TCP port. Picks from 20000-32000, i.e. below the default
# ephemeral range (32768-60999), so outgoing connections cannot grab it
# between our check and the server's bind. Extra args: ports to avoid.
esc_free_port() {
    local -a avoid=("$@")
    local i port a taken
    for ((i = 0; i < 200; i++)); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
        taken=0
        for a in "${avoid[@]}"; do
            [[ $a == "$port" ]] && taken=1
        done
        ((taken)) && continue
        esc_port_in_use "$port" && continue
        printf '%s\n' "$port"
        return 0
    done
    esc_die "could not find a free TCP port"
}

# Install Debian packages non-interactively. Tries without 'apt-get update'
# first (fast path); on failure runs 'apt-get update' once and retries.
# Package maintainer scripts are prevented from starting system services
# (a temporary policy-rc.d is created only if none exists, then removed).
esc_apt_install() {
    (($# > 0)) || return 0
    [[ $EUID -eq 0 ]] || esc_die "need root to install packages: $*"
    command -v apt-get >/dev/null 2>&1 || esc_die "apt-get not found; please install: $*"
    esc_log "installing Debian packages: $*"
    (
        export DEBIAN_FRONTEND=noninteractive
        made_policy=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            made_policy=1
        fi
        cleanup() { if ((made_policy)); then rm -f /usr/sbin/policy-rc.d; fi; }
        trap cleanup EXIT
        log=$(mktemp)
        if ! apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
            esc_log "apt-get install failed; running apt-get update and retrying"
            apt-get update -qq >"$log" 2>&1 || { tail -n 20 "$log" >&2; rm -f "$log"; exit 1; }
            if ! apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
                tail -n 30 "$log" >&2
                rm -f "$log"
                exit 1
            fi
        fi
        rm -f "$log"
    ) || esc_die "could not install Debian packages: $*"
}

# Is process PID alive and is its command name one of NAMES (comma-separated)?
# Guards against killing an unrelated process that reused a stale pid.
esc_pid_is() {
    local pid=$1 names=$2 comm
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ ",$names," == *",$comm,"* ]] || return 1
    # A zombie (exited, not yet reaped by its parent, e.g. init) counts as gone.
    local stat
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

# Wait until PID is gone (or no longer NAMES); returns 1 on timeout.
esc_wait_pid_gone() {
    local pid=$1 names=$2 timeout=${3:-30}
    local deadline=$((SECONDS + timeout))
    while esc_pid_is "$pid" "$names"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
    return 0
}

# Terminate PID (only if it is NAMES), wait, escalate to SIGKILL after timeout.
esc_kill_pid() {
    local pid=$1 names=$2 timeout=${3:-30}
    esc_pid_is "$pid" "$names" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    if ! esc_wait_pid_gone "$pid" "$names" "$timeout"; then
        esc_warn "pid $pid did not exit after ${timeout}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        esc_wait_pid_gone "$pid" "$names" 10 || esc_die "pid $pid would not die"
    fi
}

# esc_publish_native TAG PROJECT EXECUTABLE DEFAULT_OUT_DIR [OUT_DIR] [--rid linux-x64|linux-arm64]
# Publishes the .csproj PROJECT as a Native AOT executable into OUT_DIR and prints the path of
# EXECUTABLE there; everything else goes to stderr. TAG names the calling script in its messages.
esc_publish_native() {
    local tag=$1 project=$2 executable=$3 out_dir=$4 rid=linux-x64
    shift 4
    while (($# > 0)); do
        case $1 in
            --rid) rid=${2:?missing value for --rid}; shift 2 ;;
            -*) echo "$tag: unknown option $1" >&2; exit 2 ;;
            *) out_dir=$1; shift ;;
        esac
    done

    command -v dotnet >/dev/null || { echo "$tag: dotnet (the .NET 10 SDK) is required" >&2; exit 1; }
    # Native AOT links with the platform toolchain; clang or gcc plus zlib headers must be present.
    if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
        apt-get install -y -qq build-essential zlib1g-dev >/dev/null
    fi

    mkdir -p "$out_dir"
    # A full rebuild first: libraries an earlier (test) build compiled with this checkout's paths would otherwise be
    # reused, and the binary would then depend on where the repository lies.
    dotnet build "$project" -c Release -r "$rid" --no-incremental -clp:NoSummary \
        -p:ContinuousIntegrationBuild=true -nologo -v quiet >&2
    dotnet publish "$project" -c Release -r "$rid" --no-build \
        -p:ContinuousIntegrationBuild=true -o "$out_dir" -nologo -v quiet >&2
    rm -f "$out_dir"/*.pdb "$out_dir"/*.dbg
    echo "$out_dir/$executable"
}
