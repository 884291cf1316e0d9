#!/usr/bin/env bash
# Publishes the Native AOT `esc-rotator-server` executable (linux-x64 by default) into OUT_DIR and prints its path.
#
#   scripts/build-server.sh [OUT_DIR] [--rid linux-x64|linux-arm64]
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

esc_publish_native build-server "$REPO_DIR/rotators/server/EscRotators.Server.csproj" esc-rotator-server \
    "$REPO_DIR/.run/server-bin" "$@"
