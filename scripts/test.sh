#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, and runs every test:
#   1. the normal build: unit tests, fuzz-corpus replay, consumer package, integration and interop;
#   2. the sanitizer build (ASan + UBSan + LeakSanitizer): unit suite, corpus replay, js interop, forward on
#      loopback, fault tests and the short soak (not the NAT lab).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh test
echo "== build (RelWithDebInfo) =="
bash scripts/build.sh build
echo "== js-libp2p for the interop tests (npm, pinned by tests/interop/package-lock.json) =="
# Not fatal here: without npm the interop and js-relay lab tests report themselves skipped (exit 77).
bash scripts/interop-setup.sh || echo "WARNING: interop setup failed; the js-libp2p tests will be skipped"
echo "== tests =="
(cd build && ctest --output-on-failure -j "$(nproc)")
echo "== sanitizer build (ASan+UBSan) =="
# Examples on: interop.relay needs relay-server and forward.loopback needs forward.
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DLP2P_SANITIZE=ON -DLP2P_BUILD_EXAMPLES=ON
echo "== tests under sanitizers =="
# Everything on loopback: unit + corpus replay, js interop (lp2p_peer, relay-server), forward, the fault
# tests and the short soak; not the NAT lab (-LE natlab). Every finding is fatal (UBSan is built with
# -fno-sanitize-recover) and is also written to build-asan/sanitizer-logs: a report from a background
# process (a relay or listener that a test script starts and kills) fails the run too.
asan_logs=$root/build-asan/sanitizer-logs
rm -rf "$asan_logs" && mkdir -p "$asan_logs"
asan_rc=0
# RSS_BOUND_KB: forward.loopback's absolute RSS bound (64 MiB) is for the normal build; under ASan an idle
# forward process alone is ~100 MiB (shadow memory, quarantine), so only the normal build checks it.
(cd build-asan && RSS_BOUND_KB=4194304 \
  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:log_path=$asan_logs/asan \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$asan_logs/ubsan \
  ctest --output-on-failure -j "$(nproc)" -L 'unit|interop|forward|faults|soak' -LE natlab) || asan_rc=$?
if compgen -G "$asan_logs/*" >/dev/null; then
  echo "== sanitizer reports =="
  for f in "$asan_logs"/*; do echo "--- $f"; cat "$f"; done
  exit 1
fi
exit "$asan_rc"
