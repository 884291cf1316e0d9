#!/usr/bin/env bash
# Builds the Native AOT `bootstrap` and packages it as a Lambda deployment zip for the provided.al2023 runtime.
#
#   scripts/package.sh [--rid linux-x64|linux-arm64] [OUT]
#
# OUT is the zip to write, or a directory to write bootstrap.zip into
# (default: <repo>/.run/package/<rid>/bootstrap.zip).
#
# The zip holds one entry, `bootstrap` at its root, mode 0755, and is deterministic: fixed timestamp
# (1980-01-01 00:00:00, the earliest a zip can hold), fixed Unix attributes, no extra fields, deflate level 9.
# Two builds of the same commit give byte-identical zips as long as the binary itself is reproducible.
# Prints the zip's path, size and SHA-256, and the published bootstrap's path and SHA-256 (stdout, one
# "key: value" per line); progress goes to stderr.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ESC_LOG_TAG=package
# shellcheck source=lib/common.sh
. "$SCRIPT_DIR/lib/common.sh"

RID=linux-x64
OUT=""
while (($# > 0)); do
    case $1 in
        --rid) RID=${2:?missing value for --rid}; shift 2 ;;
        --rid=*) RID=${1#*=}; shift ;;
        -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) esc_die "unknown option $1 (see --help)" ;;
        *) [[ -z $OUT ]] || esc_die "only one OUT may be given"; OUT=$1; shift ;;
    esac
done
case $RID in
    linux-x64 | linux-arm64) ;;
    *) esc_die "--rid must be linux-x64 or linux-arm64 (Lambda's two architectures), got '$RID'" ;;
esac
command -v python3 >/dev/null || esc_apt_install python3

if [[ -z $OUT ]]; then
    OUT=$REPO_DIR/.run/package/$RID/bootstrap.zip
elif [[ -d $OUT || $OUT == */ ]]; then
    OUT=${OUT%/}/bootstrap.zip
fi
mkdir -p "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

# Cross build (x86_64 host, linux-arm64 target): Native AOT links with the platform toolchain, so it needs a
# linker for aarch64, an aarch64 objcopy (StripSymbols) and aarch64 glibc/libgcc objects; Debian's cross gcc
# brings all three. The AOT targets pass clang's `--target=aarch64-linux-gnu` to whatever linker driver they
# use; gcc is a single-target driver and rejects it, so a small wrapper drops it. MSBuild reads the
# environment as properties, which is how the choice reaches the ILCompiler targets without touching the
# project or build-bootstrap.sh. (The ILCompiler and runtime packs for linux-arm64 come from NuGet on restore.)
setup_cross_toolchain() {
    local host triple wrapper
    host=$(uname -m)
    case "$RID:$host" in
        linux-x64:x86_64 | linux-arm64:aarch64) return 0 ;;
        linux-arm64:x86_64) triple=aarch64-linux-gnu ;;
        *) esc_die "cross-building $RID on a $host host is not set up here (only linux-arm64 on x86_64)" ;;
    esac
    local -a missing=()
    command -v "$triple-gcc" >/dev/null || missing+=(gcc-aarch64-linux-gnu)
    command -v "$triple-objcopy" >/dev/null || missing+=(binutils-aarch64-linux-gnu)
    [[ -f /usr/$triple/lib/crt1.o && -e /usr/$triple/lib/libc.so ]] || missing+=(libc6-dev-arm64-cross)
    esc_apt_install "${missing[@]}"

    wrapper=$REPO_DIR/.run/package/toolchain/$triple-cc
    mkdir -p "$(dirname "$wrapper")"
    {
        echo '#!/bin/sh'
        echo "# Written by scripts/package.sh: $triple-gcc for the Native AOT link step, minus clang's --target= option."
        echo 'for arg; do shift; case $arg in --target=*) ;; *) set -- "$@" "$arg" ;; esac; done'
        echo "exec $triple-gcc \"\$@\""
    } >"$wrapper"
    chmod 755 "$wrapper"
    export CppCompilerAndLinker=$wrapper
    export ObjCopyName=$triple-objcopy
    esc_log "cross-linking for $RID with $triple-gcc (through $wrapper) and $ObjCopyName"
}
setup_cross_toolchain

# A fresh publish directory, so nothing left from an earlier build can end up in the zip.
BIN_DIR=$REPO_DIR/.run/package/$RID/bin
rm -rf "$BIN_DIR"
started=$(esc_now)
esc_log "publishing bootstrap for $RID (Native AOT)"
BOOTSTRAP=$(bash "$SCRIPT_DIR/build-bootstrap.sh" "$BIN_DIR" --rid "$RID")
[[ -x $BOOTSTRAP ]] || esc_die "build-bootstrap.sh did not produce an executable bootstrap ($BOOTSTRAP)"
esc_log "published in $(esc_elapsed "$started")s: $BOOTSTRAP ($(stat -c %s "$BOOTSTRAP") bytes)"

# Written to a temporary name and renamed, so a failed run never leaves a half-written zip behind.
python3 - "$BOOTSTRAP" "$OUT.tmp" <<'PY'
import stat, sys, zipfile

source, target = sys.argv[1], sys.argv[2]
with open(source, "rb") as f:
    data = f.read()

entry = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
entry.create_system = 3                                   # Unix, so Lambda honours the mode bits
entry.external_attr = (stat.S_IFREG | 0o755) << 16        # regular file, rwxr-xr-x
entry.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(target, "w") as archive:
    archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
PY
mv -f "$OUT.tmp" "$OUT"

echo "zip: $OUT"
echo "size: $(stat -c %s "$OUT")"
echo "sha256: $(sha256sum "$OUT" | cut -d' ' -f1)"
echo "bootstrap: $BOOTSTRAP"
echo "bootstrap-sha256: $(sha256sum "$BOOTSTRAP" | cut -d' ' -f1)"
