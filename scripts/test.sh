#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds, and runs every test:
#   1. the normal build: unit tests, fuzz-corpus replay, consumer package, integration and interop;
#   2. the sanitizer build (ASan + UBSan + LeakSanitizer): the unit suite and the corpus replay.
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
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DLP2P_SANITIZE=ON -DLP2P_BUILD_EXAMPLES=OFF
echo "== tests under sanitizers =="
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$(nproc)" -L unit)
