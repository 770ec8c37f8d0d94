#!/usr/bin/env bash
# Installs what lp2p needs on Debian 12, only when it is missing. Safe to run again (then it does nothing).
# Usage: scripts/setup.sh [build|test]   - 'test' adds the packages the test suite needs.
set -euo pipefail
need=(cmake ninja-build g++ pkg-config ccache libboost1.81-dev libboost-program-options1.81-dev
      libssl-dev libprotobuf-dev protobuf-compiler libsodium-dev catch2)
if [[ "${1:-build}" == test ]]; then
  # clang + its runtime for the libFuzzer build; iproute2/nftables/conntrack for the NAT lab;
  # nodejs/npm for the js-libp2p interop tests.
  need+=(catch2 clang libclang-rt-14-dev iproute2 nftables conntrack python3)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
