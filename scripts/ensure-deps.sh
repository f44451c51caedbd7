#!/usr/bin/env bash
# Installs the npm dependencies when package-lock.json changed since the last install.
# The lockfile pins the "node" package, whose install puts the project's Node.js
# (docs/adr/005-node-runtime.md) into node_modules/.bin; the machine's own Node.js is
# used only to run npm itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stamp="node_modules/.vobe-lock-sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -x node_modules/.bin/node && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "vobe: npm is missing; installing Debian's nodejs and npm to bootstrap" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
  else
    echo "vobe: npm is needed to install the project (any Node.js >= 18 with npm will do;" >&2
    echo "      the project then runs on its own pinned Node.js)." >&2
    exit 1
  fi
fi
echo "vobe: installing npm dependencies (package-lock.json changed or first run)…" >&2
# A first install is a clean one. Later, `npm ci` would delete node_modules under every
# process of the project still running from it (the platform, a test run): `npm install`
# brings the existing tree to the lockfile in place.
if [[ -x node_modules/.bin/node ]]; then
  npm install --no-audit --no-fund --loglevel=error
else
  npm ci --no-audit --no-fund --loglevel=error
fi
if ! node_modules/.bin/node --version >/dev/null 2>&1; then
  echo "vobe: the pinned Node.js did not install (node_modules/.bin/node does not run)" >&2
  exit 1
fi
echo "$want" > "$stamp"
