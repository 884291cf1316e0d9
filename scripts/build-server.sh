#!/usr/bin/env bash
# Publishes the Native AOT `esc-rotator-server` executable (linux-x64 by default) into OUT_DIR and prints its path.
#
#   scripts/build-server.sh [OUT_DIR] [--rid linux-x64|linux-arm64]
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

OUT_DIR=$REPO_DIR/.run/server-bin
RID=linux-x64
while (($# > 0)); do
    case $1 in
        --rid) RID=${2:?missing value for --rid}; shift 2 ;;
        -*) echo "build-server: unknown option $1" >&2; exit 2 ;;
        *) OUT_DIR=$1; shift ;;
    esac
done

command -v dotnet >/dev/null || { echo "build-server: dotnet (the .NET 10 SDK) is required" >&2; exit 1; }
# Native AOT links with the platform toolchain; clang or gcc plus zlib headers must be present.
if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
    apt-get install -y -qq build-essential zlib1g-dev >/dev/null
fi

mkdir -p "$OUT_DIR"
dotnet publish "$REPO_DIR/rotators/server/EscRotators.Server.csproj" -c Release -r "$RID" \
    -p:ContinuousIntegrationBuild=true -o "$OUT_DIR" -nologo -v quiet >&2
rm -f "$OUT_DIR"/*.pdb "$OUT_DIR"/*.dbg
echo "$OUT_DIR/esc-rotator-server"
