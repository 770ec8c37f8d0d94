#!/usr/bin/env bash
# Fuzzes every libFuzzer target for a bounded time (default 60 s each) with clang, starting from the
# checked-in seed corpus; new inputs go to build-fuzz/corpus/<name> (not the repo), crashing inputs to
# build-fuzz/artifacts/<name>/, full logs to build-fuzz/logs/<name>.log.
# Prints one line per target: executions (libFuzzer's stat::number_of_executed_units) and its last
# "cov: ... ft: ... corp: ..." status line. Goes on after a crash; exits 1 if any target found one.
# Usage: scripts/fuzz.sh [SECONDS] [name...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs=${1:-60}; shift || true
bash scripts/setup.sh test
names=("$@")
if ((${#names[@]} == 0)); then
  for f in tests/fuzz/fuzz_*.cpp; do n=$(basename "$f" .cpp); names+=("${n#fuzz_}"); done
fi
# Only the fuzz binaries: this build instruments everything, so building the unit tests here is waste.
targets=""
for n in "${names[@]}"; do targets+=" fuzz_$n"; done
CC=clang CXX=clang++ LP2P_TARGETS="$targets" bash scripts/build.sh build-fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLP2P_BUILD_FUZZERS=ON -DLP2P_BUILD_EXAMPLES=OFF
# UBSan is built recoverable by -fsanitize=fuzzer builds: make every finding a crash.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=0
printf '%-24s %12s  %s\n' target execs "last status line"
for n in "${names[@]}"; do
  mkdir -p "build-fuzz/corpus/$n" "build-fuzz/artifacts/$n" build-fuzz/logs
  log="build-fuzz/logs/$n.log"
  rc=0
  "build-fuzz/tests/fuzz/fuzz_$n" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$n/" \
    "build-fuzz/corpus/$n" "tests/fuzz/corpus/$n" >"$log" 2>&1 || rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  status=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+//' || true)
  printf '%-24s %12s  %s\n' "$n" "${execs:-?}" "${status:-no status line}"
  if ((rc != 0)); then
    failed=1
    echo "  !! fuzz_$n exited $rc; see $log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/  /' >&2 || true
    ls "build-fuzz/artifacts/$n/" 2>/dev/null | sed 's/^/  artifact: /' >&2 || true
  fi
done
exit $failed
