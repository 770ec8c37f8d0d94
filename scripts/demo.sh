#!/usr/bin/env bash
# The demo command (README): installs what is missing, builds the examples, and runs the hole-punch
# story of DESIGN.md §1 scenario a: a relay on a lab "internet", two peers behind port-preserving NATs,
# a reservation, a relayed connection, the DCUtR punch, a direct connection, and ping RTTs compared;
# then part 2, field scenario 1: the listener behind a symmetric NAT, punched with lp2p's birthday spray.
# Runs in Linux network namespaces (needs root); falls back to loopback where they are unavailable.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh build
need_lab=(iproute2 nftables conntrack python3)
if [[ $(id -u) -eq 0 ]]; then
  missing=()
  for p in "${need_lab[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
LP2P_TARGETS="peer-id relay-server dcutr" bash scripts/build.sh build
bash scripts/demo_story.sh build/examples preserving
echo
echo "================================================================================================"
exec bash scripts/demo_story.sh build/examples symmetric
