#!/usr/bin/env bash
# NAT lab test of examples/forward.cpp (issue 7): the target service runs on host A behind NAT router A
# (127.0.0.1:16111 inside A's namespace), `forward listen` on A reserves a slot at the relay, and
# `forward dial` on host B (behind router B) makes the service reachable on B's 127.0.0.1:26111.
# Checks: the hole punch succeeds; 10 x 4 MiB echo with SHA-256 equal over the direct connection (kernel
# evidence: B holds an established socket to A's public address); the relay is then killed and traffic
# continues: a connection open across the kill completes, and new batches of connections work.
# Usage: forward_lab_test.sh BIN_DIR [preserving|vps]. Exit: 0 pass, 1 fail, 77 skipped (no root/netns).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:?usage: forward_lab_test.sh BIN_DIR}" && pwd)
variant=${2:-preserving}
tool=(python3 "$here/../forward/fwd_tool.py")
source "$here/lab.sh"
lab_require python3

source "$here/checks.sh"

relay_id=$("$bin/peer-id" --secret-key-seed 0)
listen_id=$("$bin/peer-id" --secret-key-seed 1)
relay_ma=/ip4/$LAB_IP_RELAY/tcp/4001/p2p/$relay_id
listen_port=40001 dial_port=16112
case $variant in
  preserving) lab_up --nat-a preserving --nat-b preserving --dialer siteb ;;
  vps) dial_port=16111; lab_up --nat-a preserving --dialer vps ;;  # the VPS firewall admits 16111
  *) echo "unknown variant $variant"; exit 2 ;;
esac
export LP2P_LOG=${LP2P_LOG:-info}

lab_spawn relay relay "$bin/relay-server" --port 4001 --secret-key-seed 0
lab_wait_log "$(lab_logfile relay)" 'Listening on' 10 relay || { fail=$((fail + 1)); finish; }
lab_spawn target "$LAB_LISTENER_NS" "${tool[@]}" serve --port 16111
lab_wait_log "$(lab_logfile target)" 'serving on' 10 target || { fail=$((fail + 1)); finish; }
lab_spawn listener "$LAB_LISTENER_NS" "$bin/forward" listen --protocol /x/kaspa/1.0.0 \
  --target /ip4/127.0.0.1/tcp/16111 --secret-key-seed 1 --port $listen_port --relay-address "$relay_ma"
check "listener reserved a slot at the relay" \
  lab_wait_log "$(lab_logfile listener)" 'Relay accepted our reservation request' 20 listener
lab_spawn dialer "$LAB_DIALER_NS" "$bin/forward" dial --protocol /x/kaspa/1.0.0 \
  --local /ip4/127.0.0.1/tcp/26111 --secret-key-seed 2 --port $dial_port \
  --peer "$relay_ma/p2p-circuit/p2p/$listen_id"
dial_log=$(lab_logfile dialer)
check "dialer ready" lab_wait_log "$dial_log" 'forward dial ready' 30 dialer
check "hole punch succeeded" lab_wait_log "$dial_log" 'Hole punch succeeded' 40 dialer

check "10 x 4 MiB echo through the NATs, SHA-256 equal" \
  lab_exec "$LAB_DIALER_NS" "${tool[@]}" many --port 26111 --conns 10 --size $((4 << 20)) --kind echo
check "dialer opened the streams over the direct connection" \
  grep -Eq 'conn #[0-9]+ -> .* over the direct connection' "$dial_log"
check "no stream went over the relay" bash -c "! grep -Eq 'conn #[0-9]+ -> .* over the relayed connection' '$dial_log'"
dialer_sockets=$(ip netns exec "$(lab_ns "$LAB_DIALER_NS")" ss -Htn state established | awk '{print $3, $4}')
echo "dialer host sockets:"; echo "$dialer_sockets" | sed 's/^/  /'
check "kernel: dialer host has a TCP connection to the listener's public address" \
  grep -Eq "^$LAB_DIALER_IP:$dial_port $LAB_LISTENER_PUBLIC_IP:$listen_port\$" <<<"$dialer_sockets"

# A connection that spans the relay's death: a slow reader of 32 MiB, started before the kill.
lab_exec "$LAB_DIALER_NS" "${tool[@]}" slow-read --port 26111 --size $((32 << 20)) --slow-secs 4 \
  >"$LAB_DIR/spanning.out" 2>&1 &
spanning=$!
sleep 1
lab_stop relay
echo "relay killed"
check "dialer noticed the relay is gone" lab_wait_log "$dial_log" "Connection to $relay_id closed" 15 dialer
wait "$spanning"; spanning_rc=$?
cat "$LAB_DIR/spanning.out"
check "a connection open across the relay's death completes, SHA-256 equal" test "$spanning_rc" -eq 0
check "after the relay died: 10 x 4 MiB echo, SHA-256 equal" \
  lab_exec "$LAB_DIALER_NS" "${tool[@]}" many --port 26111 --conns 10 --size $((4 << 20)) --kind echo
check "after the relay died: 10 x 4 MiB down, SHA-256 equal" \
  lab_exec "$LAB_DIALER_NS" "${tool[@]}" many --port 26111 --conns 10 --size $((4 << 20)) --kind down
check "after the relay died: half-close both ways" \
  lab_exec "$LAB_DIALER_NS" "${tool[@]}" halfclose --port 26111 --size $((1 << 20))
check "the dialer kept using the direct connection" \
  bash -c "! grep -Eq 'conn #[0-9]+ -> .* over the relayed connection' '$dial_log'"
grep -E 'Hole punch|Connection to .* closed|aborted' "$dial_log" | sed 's/^/  dialer: /' | head -20
finish
