#!/usr/bin/env bash
# forward.loopback: the real `forward` binary (examples/forward.cpp) on 127.0.0.1, no root needed.
# A python target service (fwd_tool.py serve) plays the blockchain node; `forward listen` exposes it
# as /x/kaspa/1.0.0, `forward dial` makes it reachable on a local port, and TCP clients check:
#   20 concurrent connections x 4 MiB, echo / up / down, SHA-256 compared; half-close both ways;
#   RST both ways; a slow reader and a slow target (RSS of both forward processes stays bounded);
#   target down, protocol refused, peer unreachable (clear log line, local connection closed);
#   through a relay: the stream goes direct after the hole punch; with --allow-relayed and no punch,
#   the relay's data limit cuts the stream and the log says so.
# Usage: forward_test.sh BIN_DIR   (BIN_DIR holds forward, peer-id, relay-server). Exit 0 pass, 1 fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:?usage: forward_test.sh BIN_DIR}" && pwd)
tool=(python3 "$here/fwd_tool.py")
work=$(mktemp -d /tmp/forward-test.XXXXXX)
export LP2P_LOG=${LP2P_LOG:-info}
RSS_BOUND_KB=${RSS_BOUND_KB:-65536}   # 64 MiB per forward process while 256 MiB are offered

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ ${KEEP_LOGS:-0} == 1 ]]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

pass=0 fail=0
check() {  # check NAME CMD...
  local name=$1; shift
  if "$@"; then echo "PASS: $name"; pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi
}
# A free port below the kernel's ephemeral range: a port from that range could be taken by any outgoing
# connection on the machine (another test's) between this check and the process binding it.
free_port() {
  python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(500):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(10000, lo - 1) if lo > 10100 else 0))
        print(s.getsockname()[1])
        break
    except OSError:
        pass
    finally:
        s.close()
'
}
spawn() {  # spawn NAME CMD... ; sets pid_NAME
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  printf -v "pid_$name" '%s' $!
}
wait_log() {  # wait_log NAME REGEX SECS
  local f=$work/$1.log deadline=$((SECONDS + $3))
  until grep -Eq "$2" "$f" 2>/dev/null; do
    if ((SECONDS >= deadline)); then echo "timed out waiting for /$2/ in $1.log"; tail -20 "$f"; return 1; fi
    sleep 0.1
  done
}
logged() { grep -Eq "$2" "$work/$1.log"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# run_sampling OUT PID1 PID2 CMD...: runs CMD while sampling the peak RSS of both pids into OUT
run_sampling() {
  local out=$1 a=$2 b=$3; shift 3
  "$@" &
  local cmd=$! ma=0 mb=0 r
  while kill -0 "$cmd" 2>/dev/null; do
    r=$(rss_kb "$a"); ((r > ma)) && ma=$r
    r=$(rss_kb "$b"); ((r > mb)) && mb=$r
    sleep 0.1
  done
  wait "$cmd"; local rc=$?
  echo "$ma $mb" >"$out"
  return $rc
}
dump() { for f in "$work"/*.log; do echo "==== $(basename "$f")"; tail -40 "$f"; done; }
finish() {
  ((fail > 0)) && dump
  echo "$pass passed, $fail failed"
  ((fail == 0)) && exit 0 || exit 1
}

proto=/x/kaspa/1.0.0
listen_id=$("$bin/peer-id" --secret-key-seed 1)
target_port=$(free_port) listen_port=$(free_port) local_port=$(free_port)
spawn target "${tool[@]}" serve --port "$target_port"
wait_log target 'serving on' 10 || { fail=$((fail + 1)); finish; }
spawn listener "$bin/forward" listen --protocol $proto --target /ip4/127.0.0.1/tcp/$target_port \
  --secret-key-seed 1 --port "$listen_port"
spawn dialer "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$local_port \
  --peer /ip4/127.0.0.1/tcp/$listen_port/p2p/$listen_id --secret-key-seed 2
check "listener ready" wait_log listener 'forward listen ready' 10
check "dialer ready and connected" wait_log dialer 'forward dial ready' 10
((fail > 0)) && finish

echo "--- 20 concurrent connections x 4 MiB"
for kind in echo up down; do
  check "20 x 4 MiB $kind, SHA-256 equal" "${tool[@]}" many --port "$local_port" --conns 20 --size $((4 << 20)) --kind $kind
done
check "dialer carried them over the direct connection" logged dialer 'conn #[0-9]+ -> .* over the direct connection'

echo "--- half-close"
size=$((1 << 20))
check "half-close both ways" "${tool[@]}" halfclose --port "$local_port" --size $size
want=$(python3 -c "import sys; sys.path.insert(0, '$here'); import fwd_tool; print(fwd_tool.expected_sha(5, $size))")
check "target received the bytes sent after its own FIN" wait_log target "END HALFSRC .* received=$size sha=$want" 5

echo "--- resets"
check "client RST" "${tool[@]}" rst --port "$local_port"
check "client RST reaches the target as a reset" wait_log target 'END ECHO reset' 5
check "target RST reaches the client as a reset" "${tool[@]}" rst-from-target --port "$local_port"

echo "--- slow reader (256 MiB offered, client reads 320 KiB/s for 6 s)"
# Fresh processes, so the peak RSS is not the heap left from the transfers above.
kill "$pid_listener" "$pid_dialer" 2>/dev/null
sleep 0.3
listen_port=$(free_port) local_port=$(free_port)
spawn listener2 "$bin/forward" listen --protocol $proto --target /ip4/127.0.0.1/tcp/$target_port \
  --secret-key-seed 1 --port "$listen_port"
spawn dialer2 "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$local_port \
  --peer /ip4/127.0.0.1/tcp/$listen_port/p2p/$listen_id --secret-key-seed 2
wait_log listener2 'forward listen ready' 10 && wait_log dialer2 'forward dial ready' 10
echo "idle RSS: listener $(rss_kb "$pid_listener2") KiB, dialer $(rss_kb "$pid_dialer2") KiB"
check "slow reader gets every byte" run_sampling "$work/rss1" "$pid_listener2" "$pid_dialer2" \
  "${tool[@]}" slow-read --port "$local_port" --size $((256 << 20)) --slow-secs 6
read -r rl rd <"$work/rss1"
echo "peak RSS with a slow reader: listener $rl KiB, dialer $rd KiB (bound $RSS_BOUND_KB KiB)"
check "slow reader: listener RSS bounded" test "$rl" -lt "$RSS_BOUND_KB"
check "slow reader: dialer RSS bounded" test "$rd" -lt "$RSS_BOUND_KB"
check "slow target gets every byte" run_sampling "$work/rss2" "$pid_listener2" "$pid_dialer2" \
  "${tool[@]}" slow-write --port "$local_port" --size $((256 << 20)) --slow-secs 6
read -r rl rd <"$work/rss2"
echo "peak RSS with a slow target: listener $rl KiB, dialer $rd KiB (bound $RSS_BOUND_KB KiB)"
check "slow target: listener RSS bounded" test "$rl" -lt "$RSS_BOUND_KB"
check "slow target: dialer RSS bounded" test "$rd" -lt "$RSS_BOUND_KB"

echo "--- failures"
dead_port=$(free_port)
down_port=$(free_port) down_local=$(free_port)
spawn listener_down "$bin/forward" listen --protocol $proto --target /ip4/127.0.0.1/tcp/$dead_port \
  --secret-key-seed 3 --port "$down_port"
wait_log listener_down 'forward listen ready' 10
spawn dialer_down "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$down_local \
  --peer /ip4/127.0.0.1/tcp/$down_port/p2p/$("$bin/peer-id" --secret-key-seed 3) --secret-key-seed 4
wait_log dialer_down 'forward dial ready' 10
check "target down: local connection closed" "${tool[@]}" expect-closed --port "$down_local"
check "target down: listener says the target refused" \
  wait_log listener_down "target /ip4/127.0.0.1/tcp/$dead_port refused the connection" 5
check "target down: dialer says the peer reset the stream, target down?" \
  wait_log dialer_down 'the peer reset the stream .*is the target behind `forward listen` down' 5

refused_local=$(free_port)
spawn dialer_refused "$bin/forward" dial --protocol /x/other/1.0.0 --local /ip4/127.0.0.1/tcp/$refused_local \
  --peer /ip4/127.0.0.1/tcp/$listen_port/p2p/$listen_id --secret-key-seed 5
wait_log dialer_refused 'forward dial ready' 10
check "protocol refused: local connection closed" "${tool[@]}" expect-closed --port "$refused_local"
check "protocol refused: dialer names the protocol and protocol_not_supported" \
  wait_log dialer_refused 'refused protocol /x/other/1.0.0 \(multistream: protocol_not_supported\)' 5

unreach_local=$(free_port)
spawn dialer_unreach "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$unreach_local \
  --peer /ip4/127.0.0.1/tcp/$dead_port/p2p/$listen_id --secret-key-seed 6
wait_log dialer_unreach 'forward dial ready' 10
check "peer unreachable: local connection closed" "${tool[@]}" expect-closed --port "$unreach_local"
check "peer unreachable: dialer says so" wait_log dialer_unreach "conn #1: peer /ip4/127.0.0.1/tcp/$dead_port/p2p/$listen_id is unreachable" 5

echo "--- through a relay"
relay_port=$(free_port)
relay_ma=/ip4/127.0.0.1/tcp/$relay_port/p2p/$("$bin/peer-id" --secret-key-seed 0)
spawn relay "$bin/relay-server" --port "$relay_port" --secret-key-seed 0
wait_log relay 'Listening on' 10
r_listen_id=$("$bin/peer-id" --secret-key-seed 7)
spawn listener_relay "$bin/forward" listen --protocol $proto --target /ip4/127.0.0.1/tcp/$target_port \
  --secret-key-seed 7 --relay-address "$relay_ma"
check "relay: listener reserved a slot" wait_log listener_relay 'Relay accepted our reservation' 15
relay_local=$(free_port)
spawn dialer_relay "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$relay_local \
  --peer "$relay_ma/p2p-circuit/p2p/$r_listen_id" --secret-key-seed 8
wait_log dialer_relay 'forward dial ready' 15
check "relay: hole punch succeeded" wait_log dialer_relay 'Hole punch succeeded' 20
check "relay: 5 x 4 MiB echo after the punch" "${tool[@]}" many --port "$relay_local" --conns 5 --size $((4 << 20)) --kind echo
check "relay: streams went over the direct connection" logged dialer_relay 'conn #[0-9]+ -> .* over the direct connection'
check "relay: no stream went over the relay" bash -c "! grep -Eq 'conn #[0-9]+ -> .* over the relayed connection' '$work/dialer_relay.log'"

# No hole punch, --allow-relayed: small transfers work over the circuit; the relay's default data
# limit (128 KiB per circuit, rust's default) cuts a large one and the log says why.
spawn listener_nopunch "$bin/forward" listen --protocol $proto --target /ip4/127.0.0.1/tcp/$target_port \
  --secret-key-seed 9 --relay-address "$relay_ma" --no-hole-punch
wait_log listener_nopunch 'Relay accepted our reservation' 15
nopunch_local=$(free_port)
spawn dialer_nopunch "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$nopunch_local \
  --peer "$relay_ma/p2p-circuit/p2p/$("$bin/peer-id" --secret-key-seed 9)" --secret-key-seed 10 \
  --allow-relayed --no-hole-punch
wait_log dialer_nopunch 'forward dial ready' 15
check "relayed: 3 x 16 KiB echo over the circuit" "${tool[@]}" many --port "$nopunch_local" --conns 3 --size 16384 --kind echo
check "relayed: the dialer says the stream is relayed" logged dialer_nopunch 'over the relayed connection .*limited'
check "relayed: 4 MiB through a 128 KiB circuit limit is cut" \
  bash -c "! ${tool[*]} many --port $nopunch_local --conns 1 --size $((4 << 20)) --kind echo"
check "relayed: the log blames the circuit limit" wait_log dialer_nopunch 'conn #[0-9]+ aborted: .*circuit limit' 5

nodirect_local=$(free_port)
spawn dialer_nodirect "$bin/forward" dial --protocol $proto --local /ip4/127.0.0.1/tcp/$nodirect_local \
  --peer "$relay_ma/p2p-circuit/p2p/$("$bin/peer-id" --secret-key-seed 9)" --secret-key-seed 11 \
  --no-hole-punch --direct-timeout 2
wait_log dialer_nodirect 'forward dial ready' 15
check "no punch, no --allow-relayed: local connection closed" "${tool[@]}" expect-closed --port "$nodirect_local"
check "no punch, no --allow-relayed: the log says to pass --allow-relayed" wait_log dialer_nodirect 'pass --allow-relayed' 5
finish
