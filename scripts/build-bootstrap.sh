#!/usr/bin/env bash
# Publishes the Native AOT `bootstrap` executable (linux-x64 by default) into OUT_DIR and prints its path.
#
#   scripts/build-bootstrap.sh [OUT_DIR] [--rid linux-x64|linux-arm64]
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

esc_publish_native build-bootstrap "$REPO_DIR/rotators/bootstrap/EscRotators.Bootstrap.csproj" bootstrap \
    "$REPO_DIR/.run/bin" "$@"
