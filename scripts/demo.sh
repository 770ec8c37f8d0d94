#!/usr/bin/env bash
# The demo command (README): installs what is missing, builds, and runs the demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh build
LP2P_TARGETS="peer-id" bash scripts/build.sh build
echo
echo "== identities derived from --secret-key-seed (the rust-libp2p examples' key derivation) =="
for seed in 0 1 2; do
  printf 'seed %s -> ' "$seed"
  build/examples/peer-id --secret-key-seed "$seed"
done
