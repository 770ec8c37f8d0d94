#!/usr/bin/env bash
# Proves that an interrupted NAT lab test cleans up: starts selftest_punch.sh, waits until its lab
# is up with processes running inside the namespaces, then interrupts it (1) with SIGTERM to the
# script, (2) with SIGINT to its whole process group (what Ctrl-C in a terminal does). After each,
# no namespace of its prefix may remain and every process that was inside them must be gone.
# Exit 0 = both PASS, 1 = a FAIL, 77 = lab cannot run here.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_require "$LAB_PYTHON"
set -m   # job control: the child gets its own process group and does not ignore SIGINT
FAILS=0
OUT=$(mktemp -d "${TMPDIR:-/tmp}/natlab-teardown.XXXXXX")
trap 'rm -rf -- "$OUT"' EXIT

run_and_interrupt() {  # $1 = TERM|INT, $2 = label
  local sig=$1 label=$2 prefix="lp2p-$$-$2" pid i pids="" ns
  LAB_PREFIX=$prefix bash "$HERE/selftest_punch.sh" a >"$OUT/$label.out" 2>&1 &
  pid=$!
  # Wait for the punch to be established (processes are holding connections in the namespaces).
  for ((i = 0; i < 150; i++)); do
    grep -q 'PASS (a) kernel on host B' "$OUT/$label.out" && break
    sleep 0.1
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix-"); do pids+=" $(ip netns pids "$ns" | tr '\n' ' ')"; done
  echo "  $label: lab namespaces: $(ip netns list | awk '{print $1}' | grep -c "^$prefix-"), processes inside: ${pids:-none}"
  if [[ $sig == INT ]]; then kill -INT -- "-$pid"; else kill -TERM "$pid"; fi
  wait "$pid"; local rc=$?
  local left; left=$(ip netns list | awk '{print $1}' | grep "^$prefix-" || true)
  local alive=""; for i in $pids; do kill -0 "$i" 2>/dev/null && alive+=" $i"; done
  tail -n 3 "$OUT/$label.out" | sed 's/^/    /'
  if [[ -z $left && -z $alive && -n $pids ]] && grep -q "caught SIG$sig" "$OUT/$label.out"; then
    echo "PASS teardown after SIG$sig (exit $rc): no namespace, no process left"
  else
    echo "FAIL teardown after SIG$sig (exit $rc): namespaces left: [${left//$'\n'/ }] processes alive: [$alive]"
    FAILS=$((FAILS + 1))
    # Clean up ourselves so a failure here never leaves the lab behind.
    for i in $alive; do kill -KILL "$i" 2>/dev/null; done
    for ns in $left; do ip netns del "$ns" 2>/dev/null; done
  fi
}

run_and_interrupt TERM term
run_and_interrupt INT int
((FAILS == 0))
