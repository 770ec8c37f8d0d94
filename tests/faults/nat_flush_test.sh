#!/usr/bin/env bash
# NAT lab fault test (issue #6 part 6c, ctest natlab.fault_flush): a NAT mapping flushed mid-transfer.
# examples/forward carries a TCP service from host A (behind router A) to host B (behind router B) over a
# hole-punched direct connection. While a 64 MiB download is in progress, router A's conntrack table is
# flushed. With nf_conntrack_tcp_loose=0 (lab.sh) every later packet of the flow is ct-invalid and dropped
# in both directions: no RST reaches either end, the flow is a black hole. Expected, and checked:
#   - the transfer in progress FAILS (it cannot recover: the TCP flow it rides on is dead, and lp2p has no
#     stream migration): lp2p's keep-alive ping (15 s period, 20 s timeout) declares the direct connection
#     dead, forward resets the local TCP connection, and the client sees the error within 60 s, not a hang;
#   - the application RECOVERS for new connections: the listener's relay connection (also through router
#     A) is declared dead the same way, it re-reserves by itself, and a new local connection makes forward
#     dial through the relay and punch again; a new transfer then succeeds with SHA-256 equal;
#   - all processes are still running, and exit 0 on SIGTERM.
# Usage: nat_flush_test.sh BIN_DIR. Exit: 0 pass, 1 fail, 77 skipped (no root/netns).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:?usage: nat_flush_test.sh BIN_DIR}" && pwd)
tool=(python3 "$here/../forward/fwd_tool.py")
source "$here/../natlab/lab.sh"
lab_require python3

source "$here/../natlab/checks.sh"

relay_id=$("$bin/peer-id" --secret-key-seed 0)
listen_id=$("$bin/peer-id" --secret-key-seed 1)
relay_ma=/ip4/$LAB_IP_RELAY/tcp/4001/p2p/$relay_id
lab_up --nat-a preserving --nat-b preserving --dialer siteb
export LP2P_LOG=${LP2P_LOG:-info}

lab_spawn relay relay "$bin/relay-server" --port 4001 --secret-key-seed 0
lab_wait_log "$(lab_logfile relay)" 'Listening on' 10 relay || { fail=$((fail + 1)); finish; }
lab_spawn target "$LAB_LISTENER_NS" "${tool[@]}" serve --port 16111
lab_wait_log "$(lab_logfile target)" 'serving on' 10 target || { fail=$((fail + 1)); finish; }
lab_spawn listener "$LAB_LISTENER_NS" "$bin/forward" listen --protocol /x/flush/1.0.0 \
  --target /ip4/127.0.0.1/tcp/16111 --secret-key-seed 1 --port 40001 --relay-address "$relay_ma"
listen_log=$(lab_logfile listener)
check "listener reserved a slot at the relay" \
  lab_wait_log "$listen_log" 'Relay accepted our reservation request' 20 listener
lab_spawn dialer "$LAB_DIALER_NS" "$bin/forward" dial --protocol /x/flush/1.0.0 \
  --local /ip4/127.0.0.1/tcp/26111 --secret-key-seed 2 --port 16112 --peer "$relay_ma/p2p-circuit/p2p/$listen_id"
dial_log=$(lab_logfile dialer)
check "dialer ready" lab_wait_log "$dial_log" 'forward dial ready' 30 dialer
check "hole punch succeeded" lab_wait_log "$dial_log" 'Hole punch succeeded' 40 dialer
((fail == 0)) || finish

# A download that is slow for its whole life (the reader sleeps 50 ms per 16 KiB): in progress at the flush.
lab_exec "$LAB_DIALER_NS" "${tool[@]}" slow-read --port 26111 --size $((64 << 20)) --slow-secs 600 \
  >"$LAB_DIR/transfer.out" 2>&1 &
transfer=$!
sleep 3
lab_flush_conntrack a
t0=$(date +%s)
echo "flushed router A's conntrack table mid-transfer"

# The transfer must end (with an error) within 60 s; slow-read's own socket timeout is 120 s.
for ((i = 0; i < 600; i++)); do kill -0 "$transfer" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$transfer" 2>/dev/null; then
  check "the transfer in progress ended within 60 s of the flush" false
  kill "$transfer" 2>/dev/null
  wait "$transfer" 2>/dev/null
else
  wait "$transfer"; rc=$?
  secs=$(($(date +%s) - t0))
  check "the transfer in progress ended within 60 s of the flush (after ${secs} s)" true
  echo "  client: $(grep -Eo 'ConnectionResetError.*|slow-read: .*|socket.timeout.*|TimeoutError.*' "$LAB_DIR/transfer.out" | tail -1)"
  check "... with an error: the flow is dead (client exit $rc, reset or short read)" test "$rc" -ne 0
  check "... and the client saw the connection reset or closed, not its own timeout" \
    bash -c "! grep -Eq 'timeout|TimeoutError' '$LAB_DIR/transfer.out'"
fi
check "dialer: the direct connection was declared dead" \
  lab_wait_log "$dial_log" "Connection to $listen_id closed \\(direct connection" 5 dialer
grep -E "Connection to .* closed|aborted|reset" "$dial_log" | sed 's/^/  dialer: /' | head -8

# Recovery for new connections: the listener re-reserves, forward dials through the relay and punches again.
check "listener noticed its relay connection died and re-reserved" \
  bash -c "timeout 90 bash -c 'until [ \$(grep -c \"Relay accepted our reservation request\" \"$listen_log\") -ge 2 ]; do sleep 0.5; done'"
recovered=0
for ((i = 0; i < 12; i++)); do
  if lab_exec "$LAB_DIALER_NS" "${tool[@]}" many --port 26111 --conns 2 --size $((1 << 20)) --kind echo \
    >"$LAB_DIR/after.out" 2>&1; then
    recovered=1
    break
  fi
  sleep 5
done
cat "$LAB_DIR/after.out"
check "recovered: a new transfer after the flush succeeds, SHA-256 equal ($(($(date +%s) - t0)) s after the flush)" \
  test $recovered -eq 1
check "a second hole punch succeeded" bash -c "[ \$(grep -c 'Hole punch succeeded' '$dial_log') -ge 2 ]"

for p in dialer listener relay; do
  if lab_running "$p"; then
    lab_stop "$p"; rc=$?
    check "$p was still running and exited cleanly on SIGTERM (exit $rc)" test "$rc" -eq 0
  else
    check "$p still running" false
  fi
done
finish
