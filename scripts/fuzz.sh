#!/usr/bin/env bash
# Fuzzes every libFuzzer target for a bounded time (default 60 s each) with clang, starting from the
# checked-in seed corpus; new inputs go to build-fuzz/corpus/<name> (not the repo).
# Usage: scripts/fuzz.sh [SECONDS] [name...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-60}; shift || true
bash scripts/setup.sh test
CC=clang CXX=clang++ bash scripts/build.sh build-fuzz -DLP2P_BUILD_FUZZERS=ON -DLP2P_BUILD_EXAMPLES=OFF
names=("$@")
if ((${#names[@]} == 0)); then
  for f in tests/fuzz/fuzz_*.cpp; do n=$(basename "$f" .cpp); names+=("${n#fuzz_}"); done
fi
for n in "${names[@]}"; do
  mkdir -p "build-fuzz/corpus/$n"
  echo "== fuzz_$n for ${secs}s =="
  "build-fuzz/tests/fuzz/fuzz_$n" -max_total_time="$secs" -print_final_stats=1 \
    "build-fuzz/corpus/$n" "tests/fuzz/corpus/$n" 2>&1 | grep -E "stat::number_of_executed_units|cov:|ERROR|SUMMARY" | tail -3
done
