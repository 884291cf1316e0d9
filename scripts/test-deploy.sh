#!/usr/bin/env bash
# Tests of the Pulumi deployment program in deploy/pulumi, without AWS or the Pulumi CLI:
#   1. `npm ci` when node_modules does not match package-lock.json (registry access only then);
#   2. `tsc --noEmit` over the program and its tests (counted as one test);
#   3. the node:test suites under Pulumi's mocks (`npm test` runs the same).
#
#   scripts/test-deploy.sh
#
# Works from any directory and without a terminal (CI=true, no stdin). Progress goes to stderr; the last line
# on stdout is "N passed, N failed". Exits non-zero when anything failed.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
DEPLOY_DIR=$REPO_DIR/deploy/pulumi
ESC_LOG_TAG=test-deploy
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

passed=0
failed=0
finish() {
    printf '%s passed, %s failed\n' "$passed" "$failed"
    ((failed == 0))
    exit $?
}
setup_failed() {
    esc_warn "$*"
    failed=$((failed + 1))
    finish
}

case ${1:-} in
    -h | --help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) esc_die "unknown argument $1 (see --help)" ;;
esac

# Node.js 20 or later (Debian 13 packages it; older releases need NodeSource or nvm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        (esc_apt_install nodejs npm) || setup_failed "could not install nodejs and npm"
    else
        setup_failed "node and npm are needed (Node.js 20 or later)"
    fi
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
((node_major >= 20)) || setup_failed "Node.js 20 or later is needed, found $(node --version 2>/dev/null || echo none)"

cd "$DEPLOY_DIR" || setup_failed "missing $DEPLOY_DIR"
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.esc-rotators-lock-sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
    esc_log "npm ci (deploy/pulumi)"
    if ! npm ci --no-audit --no-fund --loglevel=error </dev/null >&2; then
        setup_failed "npm ci failed in deploy/pulumi"
    fi
    printf '%s\n' "$lock_sum" >"$stamp"
else
    esc_log "node_modules matches package-lock.json; skipping npm ci"
fi

esc_log "tsc --noEmit"
if npx --no-install tsc --noEmit -p tsconfig.json </dev/null >&2; then
    passed=$((passed + 1))
    esc_log "tsc --noEmit: ok"
else
    failed=$((failed + 1))
    esc_warn "tsc --noEmit reported errors"
fi

esc_log "compiling the tests"
rm -rf build
# tsc still emits JavaScript on type errors (already counted above), so the tests run whenever they exist.
if ! npm run --silent build:test </dev/null >/dev/null 2>&1; then
    esc_warn "compiling the tests reported errors (see tsc --noEmit above)"
fi
compgen -G "build/test/*.test.js" >/dev/null || setup_failed "the tests did not compile"

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
esc_log "node --test (Pulumi mocks)"
node --test \
    --test-reporter=spec --test-reporter-destination=stderr \
    --test-reporter=tap --test-reporter-destination="$tap" \
    build/test/*.test.js </dev/null
status=$?

count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$tap" | tail -n 1; }
tests_passed=$(count pass)
tests_failed=$(count fail)
tests_cancelled=$(count cancelled)
if [[ -z $tests_passed || -z $tests_failed ]]; then
    setup_failed "node --test ended without a summary (exit $status)"
fi
passed=$((passed + tests_passed))
failed=$((failed + tests_failed + ${tests_cancelled:-0}))
if ((status != 0 && tests_failed + ${tests_cancelled:-0} == 0)); then
    esc_warn "node --test exited $status with no failed test"
    failed=$((failed + 1))
fi
finish
