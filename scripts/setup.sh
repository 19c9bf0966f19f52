#!/usr/bin/env bash
# Parley setup: installs only what is missing, then returns. Called by
# `npm start`, `npm test` and `npm run bench`, so it must be idempotent and
# fast (a few seconds) when everything is already there.
#
#  1. Debian packages (ffmpeg and a font for names in recordings, redis-server,
#     postgresql (tests, and DATABASE_URL deployments), chromium, the worker's
#     runtime libs, vdirsyncer (the CalDAV/CardDAV sync tool the DAV tests run))
#  2. Node.js 24 when the system Node is older than 22 (from the npm registry)
#  3. the mediasoup worker of the pinned version: prebuilt download when GitHub
#     is reachable, else an offline build (sfu/worker-build); cached per version
#     outside the clone so a second clone does not rebuild
#  4. npm dependencies from the lockfile (npm ci), skipped when unchanged
#  5. the web client bundle, rebuilt when its sources changed
#
# Env: PARLEY_CACHE_DIR (default ~/.cache/parley), PARLEY_SKIP_APT=1 (trust the
# machine's packages), PARLEY_WORKER_SOURCE=download|build (force one path).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}"
mkdir -p "$CACHE"
NODE_WANTED=24.21.0
ARCH="$(uname -m)"; case "$ARCH" in x86_64) NARCH=x64 ;; aarch64) NARCH=arm64 ;; *) NARCH="$ARCH" ;; esac
log() { echo "[setup] $*"; }
export DEBIAN_FRONTEND=noninteractive

# Serialize concurrent setups (two clones started at once share the cache).
exec 9>"$CACHE/setup.lock"
flock 9

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing_pkgs() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
  done
  echo "${out[@]:-}"
}

APT_UPDATED=0
apt_install() {
  local need
  need="$(missing_pkgs "$@")"
  [ -z "$need" ] && return 0
  if [ "${PARLEY_SKIP_APT:-0}" = 1 ]; then log "PARLEY_SKIP_APT=1: not installing $need"; return 0; fi
  log "apt: installing $need"
  if [ "$APT_UPDATED" = 0 ]; then $SUDO apt-get update -qq || log "apt-get update failed; trying the existing package lists"; APT_UPDATED=1; fi
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
}

# 1. Debian packages. The worker's runtime libraries are only needed by a
#    self-built worker, but are small and keep the two paths identical.
RUNTIME_PKGS=(ffmpeg fonts-dejavu-core redis-server postgresql chromium ca-certificates curl libuv1 libssl3 libsrtp2-1 libabsl20220623 vdirsyncer)
BUILD_PKGS=(g++ make pkg-config ninja-build python3 python3-venv meson libuv1-dev libssl-dev libsrtp2-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler)
apt_install "${RUNTIME_PKGS[@]}"

# 2. Node.js 24 when the system Node is older than 22. The official binary is
#    published on the npm registry as node-linux-<arch>, which our machines reach.
# Under `npm start`/`npm test`, PATH begins with node_modules/.bin, where a
# previous setup may have linked Node 24: look for the system's own node.
NODE_BIN="$(PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)" command -v node)"
LINK_NODE=0
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" -lt 22 ]; then
  NODE_DIR="$CACHE/node-v$NODE_WANTED-linux-$NARCH"
  if [ ! -x "$NODE_DIR/bin/node" ]; then
    log "installing Node.js $NODE_WANTED (system Node is $("$NODE_BIN" -v))"
    tmp="$(mktemp -d)"
    ( cd "$tmp" && npm pack "node-linux-$NARCH@$NODE_WANTED" --silent >/dev/null 2>&1 && tar xzf ./*.tgz )
    rm -rf "$NODE_DIR.tmp"; mkdir -p "$NODE_DIR.tmp"
    cp -a "$tmp/package/bin" "$NODE_DIR.tmp/bin"
    chmod +x "$NODE_DIR.tmp/bin/node"
    rm -rf "$tmp" "$NODE_DIR"; mv "$NODE_DIR.tmp" "$NODE_DIR"
  fi
  NODE_BIN="$NODE_DIR/bin/node"
  LINK_NODE=1
  export PATH="$NODE_DIR/bin:$PATH"
fi

# 3. mediasoup worker, pinned by the lockfile's mediasoup version.
MS_VERSION="$("$NODE_BIN" -p 'require("./sfu/package.json").dependencies.mediasoup')"
WORKER="$CACHE/mediasoup-worker-$MS_VERSION-linux-$NARCH"
worker_ok() { [ -x "$1" ] && { "$1" >/dev/null 2>&1; [ $? = 41 ]; }; }  # 41 = "run me from mediasoup"
if ! worker_ok "$WORKER"; then
  got=0
  if [ "${PARLEY_WORKER_SOURCE:-}" != build ]; then
    KMAJ="$(uname -r | cut -d. -f1)"
    URL="https://github.com/versatica/mediasoup/releases/download/$MS_VERSION/mediasoup-worker-$MS_VERSION-linux-$NARCH-kernel$KMAJ.tgz"
    tmp="$(mktemp -d)"
    if curl -fsSL --connect-timeout 5 --max-time 120 "$URL" -o "$tmp/w.tgz" 2>/dev/null && tar xzf "$tmp/w.tgz" -C "$tmp" && worker_ok "$tmp/mediasoup-worker"; then
      install -m 0755 "$tmp/mediasoup-worker" "$WORKER"; got=1
      log "mediasoup worker $MS_VERSION: prebuilt binary downloaded"
    else
      log "mediasoup worker $MS_VERSION: prebuilt download unavailable, building offline"
    fi
    rm -rf "$tmp"
  fi
  if [ "$got" = 0 ]; then
    [ "${PARLEY_WORKER_SOURCE:-}" = download ] && { echo "worker download failed" >&2; exit 1; }
    apt_install "${BUILD_PKGS[@]}"
    bash "$ROOT/sfu/worker-build/build.sh" "$MS_VERSION" "$WORKER"
    worker_ok "$WORKER" || { echo "built worker does not run" >&2; exit 1; }
  fi
fi

# 4. npm dependencies, reinstalled only when the lockfile or Node changed.
STAMP="node_modules/.parley-setup"
want="$(cat package-lock.json "$WORKER" | sha256sum | cut -c1-16) node$("$NODE_BIN" -v)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  log "npm ci"
  # The worker is ours: mediasoup's postinstall must not try GitHub.
  MEDIASOUP_WORKER_BIN="$WORKER" npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$STAMP"
fi
# mediasoup looks here when MEDIASOUP_WORKER_BIN is unset at run time.
REL="node_modules/mediasoup/worker/out/Release"
if ! cmp -s "$WORKER" "$REL/mediasoup-worker"; then
  mkdir -p "$REL" && install -m 0755 "$WORKER" "$REL/mediasoup-worker"
fi
# npm scripts find `node` in node_modules/.bin first: point it at Node 24.
if [ "$LINK_NODE" = 1 ] && [ "$(readlink node_modules/.bin/node 2>/dev/null)" != "$NODE_BIN" ]; then
  ln -sfn "$NODE_BIN" node_modules/.bin/node
elif [ "$LINK_NODE" = 0 ] && [ -L node_modules/.bin/node ]; then
  rm node_modules/.bin/node  # the system Node is recent enough now
fi

# 5. Web client bundle (served by the server), rebuilt when its inputs change.
WEB_HASH="$(find web/src web/public web/index.html web/vite.config.ts web/package.json protocol/src protocol/package.json package-lock.json -type f 2>/dev/null | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16 || true)"
if [ ! -f web/dist/.parley-hash ] || [ "$(cat web/dist/.parley-hash)" != "$WEB_HASH" ]; then
  log "building the web client"
  "$NODE_BIN" node_modules/vite/bin/vite.js build web --logLevel warn
  echo "$WEB_HASH" >web/dist/.parley-hash
fi
log "ready (node $("$NODE_BIN" -v), mediasoup worker $MS_VERSION)"
