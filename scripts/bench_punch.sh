#!/usr/bin/env bash
# Benchmark (not a test): time from relayed connection to direct connection in the NAT lab, and attempts
# needed, over N runs per scenario. Usage: scripts/bench_punch.sh [RUNS=20] [SCENARIOS="a b e"]
# Prints a markdown table (median / p90 / max of the listener's "hole punch succeeded ... in X ms").
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
scenarios=${2:-"a b e"}
cd "$root"
echo "| scenario | runs | direct | median ms | p90 ms | max ms | attempts (1/2/3) |"
echo "|---|---|---|---|---|---|---|"
for s in $scenarios; do
  times=() ok=0 a1=0 a2=0 a3=0
  for ((i = 0; i < runs; i++)); do
    out=$(LP2P_LOG=info bash tests/natlab/dcutr_lab_test.sh build/examples "$s" 2>/dev/null)
    line=$(grep -E '^  listener: .*Hole punch succeeded' <<<"$out" | head -1)
    [[ -z $line ]] && continue
    ok=$((ok + 1))
    times+=("$(sed -nE 's/.* in ([0-9]+) ms.*/\1/p' <<<"$line")")
    case $(sed -nE 's/.*after ([0-9]+) attempt.*/\1/p' <<<"$line") in 1) a1=$((a1 + 1)) ;; 2) a2=$((a2 + 1)) ;; *) a3=$((a3 + 1)) ;; esac
  done
  if ((ok == 0)); then echo "| $s | $runs | 0 | - | - | - | - |"; continue; fi
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  med=$(sed -n "$(((ok + 1) / 2))p" <<<"$sorted")
  p90=$(sed -n "$(((ok * 9 + 9) / 10))p" <<<"$sorted")
  max=$(tail -1 <<<"$sorted")
  echo "| $s | $runs | $ok | $med | $p90 | $max | $a1/$a2/$a3 |"
done
