#!/usr/bin/env bash
# The soak run of issue #6 (docs/soak.md): 200 peers x 10 streams through one relay for 60 s on loopback,
# every byte verified end to end, RSS sampled. Builds lp2p-soak (RelWithDebInfo, in build/) and runs it.
# Usage: scripts/soak.sh [lp2p-soak flags...]   e.g. scripts/soak.sh --duration 300 --json
# Defaults: --peers 200 --streams 10 --duration 60 (later flags override them). Exit code: lp2p-soak's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
LP2P_TARGETS=lp2p-soak bash scripts/build.sh build >/dev/null
echo "lp2p-soak on $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec build/tests/soak/lp2p-soak --peers 200 --streams 10 --duration 60 "$@"
