#!/usr/bin/env bash
# Offline build of the mediasoup C++ worker on Debian 12 (bookworm) from the
# npm package's own sources, against Debian's libraries. Used by
# scripts/setup.sh only when the prebuilt worker cannot be downloaded (our
# machines reach the npm registry and Debian's archive, never GitHub).
#
# usage: build.sh VERSION OUT_FILE
# env:   JOBS (default nproc), WORK (scratch dir, default a temp dir)
#
# Why each step exists is documented in README.md beside this script.
set -euo pipefail

VERSION="$1"
OUT="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JOBS="${JOBS:-$(nproc)}"
WORK="${WORK:-$(mktemp -d /tmp/parley-worker-build.XXXXXX)}"
SRC="$WORK/src"
BUILD="$WORK/build"
log() { echo "[worker-build $(date +%T)] $*"; }

# Build dependencies are installed by scripts/setup.sh (apt); check them here so
# a manual run fails with a clear message instead of a meson traceback.
for tool in g++ pkg-config ninja flatc python3; do
  command -v "$tool" >/dev/null || { echo "missing build tool: $tool (run scripts/setup.sh)" >&2; exit 1; }
done

# meson >= 1.1 is required by mediasoup; Debian bookworm ships 1.0.1. Prefer a
# private venv from pip (a package index is reachable on our machines); if pip
# cannot provide it, use Debian's meson and relax the version floor: with 3.27.1
# `meson setup` and the FlatBuffers step run cleanly on Debian's 1.0.1.
MESON=""
RELAX_MESON=0
if [ -x "$WORK/venv/bin/meson" ] || { python3 -m venv "$WORK/venv" >/dev/null 2>&1 && "$WORK/venv/bin/pip" install -q meson >/dev/null 2>&1; }; then
  MESON="$WORK/venv/bin/meson"
elif command -v meson >/dev/null; then
  MESON="$(command -v meson)"
  RELAX_MESON=1
else
  echo "meson not available (neither pip nor the Debian package)" >&2; exit 1
fi
log "meson $("$MESON" --version) (relaxed floor: $RELAX_MESON), flatc $(flatc --version)"

log "npm pack mediasoup@$VERSION"
rm -rf "$SRC" "$BUILD"; mkdir -p "$SRC"
( cd "$SRC" && npm pack "mediasoup@$VERSION" --silent >/dev/null 2>&1 && tar xzf "mediasoup-$VERSION.tgz" )
W="$SRC/package/worker"

# Each third-party subproject() (which would download from GitHub/wrapdb)
# becomes a Debian system dependency; compat/ headers bridge API differences.
cp -r "$HERE/compat" "$W/compat"
python3 "$HERE/patch_meson.py" "$W" compat
if [ "$RELAX_MESON" = 1 ]; then
  sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$W/meson.build"
fi

# mediasoup's DTLS BIO callback tests `operationType == BIO_CB_RETURN`, but
# OpenSSL passes the operation ORed with BIO_CB_RETURN. Debian's libssl
# (kernel-TLS aware) asks the BIO a question upstream's bundled OpenSSL never
# asks, then writes through a NULL buffer: SIGSEGV on the first DTLS handshake
# with a browser. The fix is one character.
if grep -q '(operationType == BIO_CB_RETURN)' "$W/src/RTC/DtlsTransport.cpp"; then
  sed -i 's/(operationType == BIO_CB_RETURN)/(operationType \& BIO_CB_RETURN)/' "$W/src/RTC/DtlsTransport.cpp"
fi
grep -q '(operationType & BIO_CB_RETURN)' "$W/src/RTC/DtlsTransport.cpp" || { echo "DtlsTransport BIO fix not applied" >&2; exit 1; }

log "meson setup"
"$MESON" setup --wrap-mode=nodownload --buildtype=release -Db_ndebug=true "$BUILD" "$W" >/dev/null
# The generated FBS headers must exist before any worker source compiles.
"$MESON" compile -C "$BUILD" flatbuffers-generator >/dev/null
start=$(date +%s)
log "compiling mediasoup-worker with $JOBS jobs (about 5 minutes on 2 cores)"
"$MESON" compile -C "$BUILD" -j "$JOBS" mediasoup-worker >"$WORK/compile.log" 2>&1 || { tail -50 "$WORK/compile.log" >&2; exit 1; }
log "compiled in $(( $(date +%s) - start ))s"

mkdir -p "$(dirname "$OUT")"
install -m 0755 "$BUILD/mediasoup-worker" "$OUT.tmp"
strip "$OUT.tmp" || true
mv "$OUT.tmp" "$OUT"
rm -rf "$WORK"
log "worker: $OUT"
