#!/usr/bin/env bash
# Benchmark of the DCUtR birthday spray (docs/dcutr-spray.md) in the NAT lab: listener behind a symmetric
# NAT (masquerade fully-random), dialer behind a port-preserving NAT, over a grid of K (the listener's
# fresh-port sockets) and M (the dialer's guesses from its listening port). For each cell it runs
# tests/natlab/spray_lab_test.sh (RUNS punches on one lab, each proven direct from the kernel) and prints
# one Markdown table row: success rate (over up to 3 rounds), first-round success against the model
# P = 1 - (1 - q)^K (q = guessed share of Linux fully-random's 1024 + random16 % 64512, guesses from 1024
# up), and the time from the relayed connection to the direct one (median / p90, successful runs).
# Usage (root): scripts/bench_spray.sh [BIN_DIR]   env: RUNS=10 KS="64 128 192" MS="512 1024" ROUNDS=3
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/examples}
runs=${RUNS:-10}
ks=${KS:-"64 128 192"}
ms=${MS:-"512 1024"}
rounds=${ROUNDS:-3}
[[ -x $bin/dcutr && -x $bin/relay-server && -x $bin/peer-id ]] || { echo "build dcutr, relay-server and peer-id first ($bin)"; exit 2; }
echo "# spray benchmark: $runs runs per cell, up to $rounds round(s) of 5 s each, $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| K | M | direct | first round | model P(round) | median ms | p90 ms |"
echo "|---|---|---|---|---|---|---|"
for m in $ms; do
  for k in $ks; do
    out=$(bash "$root/tests/natlab/spray_lab_test.sh" "$bin" spray --runs "$runs" --min-direct 0 --k "$k" --m "$m" --rounds "$rounds" 2>/dev/null)
    rc=$?
    if ((rc == 77)); then echo "NAT lab skipped (needs root and network namespaces)"; exit 77; fi
    summary=$(grep '^SUMMARY' <<<"$out")
    direct=$(sed -n 's/.* direct=\([0-9]*\).*/\1/p' <<<"$summary")
    median=$(sed -n 's/.* median_ms=\([0-9-]*\).*/\1/p' <<<"$summary")
    p90=$(sed -n 's/.* p90_ms=\([0-9-]*\).*/\1/p' <<<"$summary")
    first=$(grep -c '^RUN [0-9]* direct .* rounds=1 ' <<<"$out")
    model=$(awk -v k="$k" -v m="$m" 'BEGIN { w = 2 * (m < 1024 ? m : 1024) + (m > 1024 ? m - 1024 : 0);
      q = w / 65536; printf "%.1f %%", 100 * (1 - (1 - q) ^ k) }')
    echo "| $k | $m | ${direct:-?}/$runs | $first/$runs | $model | ${median:--} | ${p90:--} |"
  done
done
