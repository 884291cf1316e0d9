#!/usr/bin/env bash
# Contract tests of the fake Secrets Manager (tests/secrets-manager-contract) with the official
# @aws-sdk/client-secrets-manager: `npm ci` from package-lock.json when node_modules does not match it, then the
# node:test suites. The C# client's tests use the same fake and call this script with --install-only first.
#
#   scripts/test-secrets-manager-contract.sh [--counts FILE] [--install-only]
#
# --counts FILE    also write "PASSED FAILED" to FILE (scripts/test.sh folds it into its closing line)
# --install-only   only make node_modules match the lock file
# Progress goes to stderr; the last line on stdout is "N passed, N failed". Exits non-zero when anything failed.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONTRACT_DIR=$(cd "$SCRIPT_DIR/.." && pwd)/tests/secrets-manager-contract
ESC_LOG_TAG=test-sm-contract
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

COUNTS=""
INSTALL_ONLY=0
while (($# > 0)); do
    case $1 in
        --counts) COUNTS=${2-}; shift 2 || shift ;;
        --install-only) INSTALL_ONLY=1; shift ;;
        -h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) esc_die "unknown argument $1 (see --help)" ;;
    esac
done

passed=0
failed=0
finish() {
    if [[ -n $COUNTS ]]; then
        mkdir -p "$(dirname "$COUNTS")" && printf '%s %s\n' "$passed" "$failed" >"$COUNTS"
    fi
    printf '%s passed, %s failed\n' "$passed" "$failed"
    ((failed == 0))
    exit $?
}
setup_failed() {
    esc_warn "$*"
    failed=$((failed + 1))
    ((INSTALL_ONLY)) && exit 1
    finish
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
((node_major >= 20)) || setup_failed "Node.js 20 or later is needed (scripts/test-deploy.sh installs Debian's), found $(node --version 2>/dev/null || echo none)"

cd "$CONTRACT_DIR" || setup_failed "missing $CONTRACT_DIR"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.esc-rotators-lock-sha256
# mkdir as a lock: the C# tests and this script may both want node_modules at once.
lock=$CONTRACT_DIR/.npm-ci.lock
for _ in $(seq 1 600); do mkdir "$lock" 2>/dev/null && break; sleep 0.2; done
trap 'rmdir "$lock" 2>/dev/null' EXIT
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
    esc_log "npm ci (tests/secrets-manager-contract)"
    npm ci --no-audit --no-fund --loglevel=error </dev/null >&2 || setup_failed "npm ci failed in tests/secrets-manager-contract"
    printf '%s\n' "$lock_sum" >"$stamp"
fi
rmdir "$lock" 2>/dev/null
((INSTALL_ONLY)) && exit 0

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
esc_log "node --test (official AWS client against the fake)"
NODE_NO_WARNINGS=1 node --test \
    --test-reporter=spec --test-reporter-destination=stderr \
    --test-reporter=tap --test-reporter-destination="$tap" \
    test/ </dev/null
status=$?
count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$tap" | tail -n 1; }
tests_passed=$(count pass)
tests_failed=$(count fail)
[[ -n $tests_passed && -n $tests_failed ]] || setup_failed "node --test ended without a summary (exit $status)"
passed=$tests_passed
failed=$((tests_failed + $(count cancelled)))
if ((status != 0 && failed == 0)); then
    esc_warn "node --test exited $status with no failed test"
    failed=1
fi
finish
