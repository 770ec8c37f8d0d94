#!/usr/bin/env bash
# Circuit Relay v2 interop between lp2p and js-libp2p on 127.0.0.1, every mix of relay / listener / dialer
# (README.md here, "Relay interop"):
#   (1) js relay,   lp2p listener, lp2p dialer     (2) lp2p relay, js listener,   js dialer
#   (3) js relay,   js listener,   lp2p dialer     (4) lp2p relay, lp2p listener, js dialer
# Each: reservation (circuit address, the relay's view), relayed dial, identify, ping, echo (SHA-256),
# half-close and reset over the circuit, and the listener's side of it. Then the limits:
#   (5) an lp2p relay with a small data limit cuts circuits (js and lp2p on either end): the dialer fails
#       promptly, the listener keeps its reservation and takes the next circuit;
#   (6) a js relay's time limit (milliseconds on the wire, which lp2p reads as seconds): lp2p only logs
#       it, the js relay cuts the circuit, lp2p's ends see a closed connection and recover; the same
#       for the js relay's data limit.
# Usage: tests/interop/run_relay_interop.sh PATH/TO/lp2p_peer PATH/TO/relay-server   (ctest: interop.relay)
# Prints PASS/FAIL per check and "N passed, N failed"; exit 1 on failure, 77 (skip) without Node/npm.
# Env: KEEP_TMP=1 keeps the event logs, LP2P_LOG=debug for lp2p's logs (stderr files in the temp dir).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
LP2P=${1:-} RELAY=${2:-}
if [[ -z $LP2P || ! -x $LP2P || -z $RELAY || ! -x $RELAY ]]; then
  echo "usage: $0 PATH/TO/lp2p_peer PATH/TO/relay-server (got '${LP2P}' '${RELAY}')" >&2
  exit 2
fi
LP2P=$(cd "$(dirname "$LP2P")" && pwd)/$(basename "$LP2P")
RELAY=$(cd "$(dirname "$RELAY")" && pwd)/$(basename "$RELAY")

source "$here/harness.sh"
harness_setup "lp2p <-> js-libp2p relay interop" lp2p-relay-interop
export LP2P_LOG=${LP2P_LOG:-info}

start() { start_matching "$@"; }
ev() { echo "\"event\":\"$1\""; }

# expect_fail LABEL MAX_SECS 'JS condition': the last dialer failed (exit 1) with one error event, within
# MAX_SECS (a cut circuit must be noticed, not waited out), and the condition holds.
expect_fail() {
  local name=$1 max=$2 cond=$3 why
  if [[ $rc -ne 1 ]]; then fail "$name" "exit code $rc after ${secs}s, want 1" "$last" "$last_err"; return; fi
  if [[ $secs -gt $max ]]; then fail "$name" "took ${secs}s, want <= ${max}s" "$last" "$last_err"; return; fi
  if ! why=$(check "$last" "of('error').length === 1 && of('done').length === 0 && ($cond)"); then
    fail "$name" "$why" "$last" "$last_err"; return
  fi
  pass "$name (${secs}s): $(field "$last" error e.message | cut -c1-160)"
}

# expect_in LABEL FILE 'JS condition' [FILE2]: a condition on a server's events.
expect_in() {
  local name=$1 file=$2 cond=$3 other=${4:-} why
  if why=$(check "$file" "$cond" "$other"); then pass "$name"; else fail "$name" "$why" "$file" "${file%.out}.err"; fi
}

# alive LABEL NAME: the server NAME is still running.
alive() {
  local p="pid_${2//-/_}"
  if kill -0 "${!p}" 2>/dev/null; then pass "$1"; else fail "$1" "process exited" "$tmp/$2.out" "$tmp/$2.err"; fi
}

# echo_cond BYTES STREAMS: the JS condition that S echo streams of B bytes (data seed 1) came back
# with the sha256 of peer.mjs's generator.
echo_cond() {
  local shas
  shas=$("$NODE" -e '
    const { createHash, createCipheriv } = require("crypto")
    const [bytes, streams] = process.argv.slice(1).map(Number), out = []
    for (let i = 0; i < streams; i++) {
      const key = createHash("sha256").update(`lp2p-interop-data:1:${i}`).digest().subarray(0, 16)
      const c = createCipheriv("aes-128-ctr", key, Buffer.alloc(16))
      out.push(createHash("sha256").update(c.update(Buffer.alloc(bytes))).digest("hex"))
    }
    console.log(JSON.stringify(out))' "$1" "$2")
  echo "of('echo_done').length === $2 && of('echo_done').every(e => e.bytes === $1 && e.sha256 === $shas[e.stream])"
}

# inbound_relayed_peer FILE: the peer of the first inbound relayed connection in a listener's events.
inbound_relayed_peer() {
  "$NODE" -e '
    const ev = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.startsWith("{")).map(l => JSON.parse(l))
    const c = ev.find(e => e.event === "connected" && e.relayed && e.direction === "inbound")
    console.log(c ? c.peerId : "")' "$1"
}

# relay_addr NAME: the lp2p relay-server's 127.0.0.1 listen address with /p2p/ (from its "Listening on" line).
relay_addr() { grep -m1 -Eo '/ip4/127\.0\.0\.1/tcp/[0-9]+/p2p/[A-Za-z0-9]+' "$tmp/$1.out"; }

ANY=/ip4/127.0.0.1/tcp/0
MIB=1048576
ECHO1=$(echo_cond $MIB 2)
ECHO_SMALL=$(echo_cond 4096 1)
# Every relayed dial below: identify (relayed), ping x3, echo 2 x 1 MiB, half-close, reset.
TASKS=(--ping 3 --echo-bytes $MIB --streams 2 --half-close-test --reset-test)
# dial_cond LISTENER_ID: what the dialer must have seen for TASKS over a circuit to LISTENER_ID.
dial_cond() {
  echo "of('dialed')[0]?.relayed === true && of('dialed')[0].peerId === '$1' &&
    of('identify').some(i => i.peerId === '$1' && i.relayed) && of('ping').length === 3 && $ECHO1 &&
    of('half_close')[0]?.ok === true && of('reset')[0]?.ok === true"
}
# served_cond DIALER_ID SHA: what the listener must have served over the circuit (echo x2, sink, reset),
# with an inbound relayed connection from DIALER_ID and no stream errors.
served_cond() {
  echo "of('connected').some(c => c.peerId === '$1' && c.direction === 'inbound' && c.relayed) &&
    of('served').filter(e => e.peerId === '$1' && e.protocol === '/echo/1.0.0' && e.bytes === $MIB).length === 2 &&
    of('served').some(e => e.peerId === '$1' && e.protocol === '/lp2p-test/sink/1.0.0' && e.sha256 === '$2') &&
    of('served').some(e => e.peerId === '$1' && e.protocol === '/lp2p-test/reset/1.0.0') &&
    (of('stream_error').length === 0 || JSON.stringify(of('stream_error')))"
}

echo "lp2p <-> js-libp2p relay interop: node $("$NODE" --version), lp2p_peer $LP2P, relay-server $RELAY, temp dir $tmp"

# ========================================================== (1) js relay, lp2p listener, lp2p dialer
echo "== (1) js relay, lp2p listener, lp2p dialer"
if start js-relay "$(ev listening)" "$PEER" --listen $ANY --seed 10 --relay --relay-no-limits --timeout 1200; then
  JR="$tmp/js-relay.out"
  jraddr=$(field "$JR" listening 'e.addrs[0]')
  jrid=$(field "$JR" listening e.peerId)
  if start l1 "$(ev reserved)" "$LP2P" --relay-listen "$jraddr" --seed 11 --timeout 1200; then
    L1="$tmp/l1.out"
    l1id=$(field "$L1" reserved e.peerId)
    l1circ=$(field "$L1" reserved 'e.addrs[0]')
    expect_in "1: lp2p reserved on the js relay: circuit address $jraddr/p2p-circuit/p2p/<lp2p>" "$L1" \
      "of('reserved')[0].addrs.includes('$jraddr/p2p-circuit/p2p/$l1id') || JSON.stringify(of('reserved'))"
    sleep 0.3
    expect_in "1: the js relay holds lp2p's reservation (no limits)" "$JR" \
      "of('reservation').some(r => r.peerId === '$l1id' && r.limit === null)"
    run 1-dial "$LP2P" --dial "$l1circ" "${TASKS[@]}" --timeout 120
    expect_ok "1: lp2p dials lp2p through the js relay: identify, ping x3, echo 2x1 MiB, half-close, reset" "$(dial_cond "$l1id")"
    sleep 0.3
    d1id=$(inbound_relayed_peer "$L1")
    expect_in "1: lp2p listener served echo x2, sink, reset over the circuit" "$L1" \
      "$(served_cond "$d1id" "$(field "$last" half_close e.sha256 2>/dev/null)")"
  fi
fi

# ========================================================== (2) lp2p relay, js listener, js dialer
echo "== (2) lp2p relay, js listener, js dialer"
if start lp2p-relay '^Listening on /ip4/127' "$RELAY" --port 0 --listen-ip 127.0.0.1 --secret-key-seed 20 --no-limits; then
  LR="$tmp/lp2p-relay.out"
  lraddr=$(relay_addr lp2p-relay)
  if start l2 "$(ev reserved)" "$PEER" --relay-listen "$lraddr" --seed 21 --timeout 1200; then
    L2="$tmp/l2.out"
    l2id=$(field "$L2" reserved e.peerId)
    l2circ=$(field "$L2" reserved 'e.addrs[0]')
    expect_in "2: js reserved on the lp2p relay: circuit address $lraddr/p2p-circuit/p2p/<js>" "$L2" \
      "of('reserved')[0].addrs.includes('$lraddr/p2p-circuit/p2p/$l2id') || JSON.stringify(of('reserved'))"
    if grep -q "relay: reservation accepted peer=$l2id" "$LR"; then pass "2: the lp2p relay accepted js's reservation"
    else fail "2: lp2p relay reservation" "no 'reservation accepted' line for $l2id" "$LR" "$tmp/lp2p-relay.err"; fi
    run 2-dial "$PEER" --dial "$l2circ" --expect-peer "$l2id" "${TASKS[@]}" --timeout 120
    expect_ok "2: js dials js through the lp2p relay: identify, ping x3, echo 2x1 MiB, half-close, reset" \
      "$(dial_cond "$l2id") && of('dialed')[0].limited === false"
    sleep 0.3
    d2id=$(grep -m1 -Eo "relay: circuit accepted peer=[A-Za-z0-9]+ dst=$l2id" "$LR" | sed -E 's/.*peer=([^ ]+).*/\1/')
    expect_in "2: js listener served echo x2, sink, reset over the lp2p relay's circuit" "$L2" \
      "$(served_cond "$d2id" "$(field "$last" half_close e.sha256 2>/dev/null)")"
  fi
fi

# ========================================================== (3) js relay, js listener, lp2p dialer
echo "== (3) js relay, js listener, lp2p dialer"
if [[ -n ${jraddr:-} ]] && start l3 "$(ev reserved)" "$PEER" --relay-listen "$jraddr" --seed 12 --timeout 1200; then
  L3="$tmp/l3.out"
  l3id=$(field "$L3" reserved e.peerId)
  l3circ=$(field "$L3" reserved 'e.addrs[0]')
  run 3-dial "$LP2P" --dial "$l3circ" "${TASKS[@]}" --timeout 120
  expect_ok "3: lp2p dials js through the js relay: identify, ping x3, echo 2x1 MiB, half-close, reset" "$(dial_cond "$l3id")"
  d3id=$(inbound_relayed_peer "$L3")
  sleep 0.3
  expect_in "3: js listener served echo x2, sink, reset for the lp2p dialer" "$L3" \
    "$(served_cond "$d3id" "$(field "$last" half_close e.sha256 2>/dev/null)")"
fi

# ========================================================== (4) lp2p relay, lp2p listener, js dialer
echo "== (4) lp2p relay, lp2p listener, js dialer"
if [[ -n ${lraddr:-} ]] && start l4 "$(ev reserved)" "$LP2P" --relay-listen "$lraddr" --seed 22 --timeout 1200; then
  L4="$tmp/l4.out"
  l4id=$(field "$L4" reserved e.peerId)
  l4circ=$(field "$L4" reserved 'e.addrs[0]')
  expect_in "4: lp2p reserved on the lp2p relay: $lraddr/p2p-circuit/p2p/<lp2p>" "$L4" \
    "of('reserved')[0].addrs.includes('$lraddr/p2p-circuit/p2p/$l4id') || JSON.stringify(of('reserved'))"
  run 4-dial "$PEER" --dial "$l4circ" --expect-peer "$l4id" "${TASKS[@]}" --timeout 120
  expect_ok "4: js dials lp2p through the lp2p relay: identify, ping x3, echo 2x1 MiB, half-close, reset" "$(dial_cond "$l4id")"
  d4id=$(grep -m1 -Eo "relay: circuit accepted peer=[A-Za-z0-9]+ dst=$l4id" "$LR" | sed -E 's/.*peer=([^ ]+).*/\1/')
  sleep 0.3
  expect_in "4: lp2p listener served echo x2, sink, reset for the js dialer" "$L4" \
    "$(served_cond "$d4id" "$(field "$last" half_close e.sha256 2>/dev/null)")"
  alive "4: lp2p relay still running" lp2p-relay
fi

# ===================================== (5) lp2p relay with a 64 KiB data limit: circuits cut, ends recover
echo "== (5) data limit on an lp2p relay (64 KiB per circuit, both directions together)"
LIMIT=65536
if start lp2p-relay-lim '^Listening on /ip4/127' "$RELAY" --port 0 --listen-ip 127.0.0.1 --secret-key-seed 30 \
     --max-circuit-bytes $LIMIT --max-circuit-duration 120; then
  LRL="$tmp/lp2p-relay-lim.out"
  lladdr=$(relay_addr lp2p-relay-lim)
  # (5a) lp2p listener, js dialer
  if start l5a "$(ev reserved)" "$LP2P" --relay-listen "$lladdr" --seed 31 --timeout 1200; then
    L5A="$tmp/l5a.out"
    l5aid=$(field "$L5A" reserved e.peerId)
    l5acirc=$(field "$L5A" reserved 'e.addrs[0]')
    run 5a-small "$PEER" --dial "$l5acirc" --ping 1 --echo-bytes 4096 --streams 1 --timeout 60
    # js's limits.bytes is what is left (the handshakes used some), limits.seconds what is left of 120 s.
    expect_ok "5a: js -> lp2p over the limited lp2p relay: js reads Limit {data $LIMIT, duration 120 s}, echo 4 KiB" \
      "of('dialed')[0].limited === true && of('dialed')[0].limits.bytes <= $LIMIT && of('dialed')[0].limits.bytes > $LIMIT - 4096 &&
       of('dialed')[0].limits.seconds > 100 && of('dialed')[0].limits.seconds <= 120 && $ECHO_SMALL || JSON.stringify(of('dialed'))"
    run 5a-over "$PEER" --dial "$l5acirc" --no-identify --echo-bytes 262144 --streams 1 --timeout 60
    expect_fail "5a: js echo of 256 KiB through the 64 KiB circuit fails promptly" 20 "of('echo_done').length === 0"
    sleep 0.5
    if grep -q "relay: circuit ended peer=.* dst=$l5aid data limit reached" "$LRL"; then
      pass "5a: the lp2p relay ended the circuit: data limit reached"
    else fail "5a: relay side" "no 'circuit ended ... data limit reached' for $l5aid" "$LRL"; fi
    expect_in "5a: lp2p listener: the relayed connection closed, reservation kept (not lost)" "$L5A" \
      "of('disconnected').some(c => c.relayed) && of('reservation_changed').every(r => r.kind === 'accepted' || r.kind === 'renewed') ||
       JSON.stringify(of('disconnected').concat(of('reservation_changed')))"
    run 5a-again "$PEER" --dial "$l5acirc" --echo-bytes 4096 --streams 1 --timeout 60
    expect_ok "5a: the next circuit to the lp2p listener works (echo 4 KiB)" "$ECHO_SMALL"
    alive "5a: lp2p listener still running" l5a
  fi
  # (5b) js listener, lp2p dialer
  if start l5b "$(ev reserved)" "$PEER" --relay-listen "$lladdr" --seed 32 --timeout 1200; then
    L5B="$tmp/l5b.out"
    l5bid=$(field "$L5B" reserved e.peerId)
    l5bcirc=$(field "$L5B" reserved 'e.addrs[0]')
    run 5b-small "$LP2P" --dial "$l5bcirc" --ping 1 --echo-bytes 4096 --streams 1 --timeout 60
    expect_ok "5b: lp2p -> js over the limited lp2p relay: echo 4 KiB" "$ECHO_SMALL"
    run 5b-over "$LP2P" --dial "$l5bcirc" --no-identify --echo-bytes 262144 --streams 1 --timeout 60
    expect_fail "5b: lp2p echo of 256 KiB through the 64 KiB circuit fails promptly" 20 \
      "of('echo_done').length === 0 && of('disconnected').some(c => c.relayed)"
    sleep 0.5
    if grep -q "relay: circuit ended peer=.* dst=$l5bid data limit reached" "$LRL"; then
      pass "5b: the lp2p relay ended the circuit: data limit reached"
    else fail "5b: relay side" "no 'circuit ended ... data limit reached' for $l5bid" "$LRL"; fi
    expect_in "5b: js listener: the limited connection closed, still reserved" "$L5B" \
      "of('disconnected').some(c => c.relayed) && of('error').length === 0"
    run 5b-again "$LP2P" --dial "$l5bcirc" --echo-bytes 4096 --streams 1 --timeout 60
    expect_ok "5b: the next circuit to the js listener works (echo 4 KiB)" "$ECHO_SMALL"
    alive "5b: js listener still running" l5b
  fi
  alive "5: limited lp2p relay still running" lp2p-relay-lim
fi

# ======================= (6) js relay with a 3 s time limit (3000 on the wire): lp2p ends see the cut
echo "== (6) time limit on a js relay (3 s, sent as 3000 'seconds')"
if start js-relay-lim "$(ev listening)" "$PEER" --listen $ANY --seed 40 --relay --relay-duration-limit 3 --timeout 1200; then
  jladdr=$(field "$tmp/js-relay-lim.out" listening 'e.addrs[0]')
  if start l6 "$(ev reserved)" "$LP2P" --relay-listen "$jladdr" --seed 41 --ping-interval-ms 1000 --timeout 1200; then
    L6="$tmp/l6.out"
    l6circ=$(field "$L6" reserved 'e.addrs[0]')
    run 6-hold "$LP2P" --dial "$l6circ" --ping 1 --hold 6 --ping-interval-ms 1000 --timeout 60
    expect_fail "6: lp2p -> lp2p through the js relay: the circuit is cut after ~3 s (--hold 6 loses it)" 15 \
      "of('ping').length === 1 && of('error')[0].code === 'connection_lost' && of('disconnected').some(c => c.relayed)"
    if grep -q "is limited: 3000 s" "$last_err"; then
      pass "6: lp2p's client logged the js relay's Limit.duration (3000, read as seconds) and went on"
    else fail "6: lp2p limit log" "no 'is limited: 3000 s' line" "$last_err"; fi
    sleep 0.5
    expect_in "6: lp2p listener: relayed connection closed by the js relay, reservation kept" "$L6" \
      "of('disconnected').some(c => c.relayed) && of('reservation_changed').every(r => r.kind === 'accepted' || r.kind === 'renewed') ||
       JSON.stringify(of('disconnected').concat(of('reservation_changed')))"
    run 6-again "$LP2P" --dial "$l6circ" --ping 2 --echo-bytes 4096 --streams 1 --timeout 60
    expect_ok "6: a new circuit through the js relay works after the cut (ping x2, echo 4 KiB)" "of('ping').length === 2 && $ECHO_SMALL"
    # The js relay's data limit (its default, 128 KiB, both directions together) with lp2p on both ends.
    run 6-over "$LP2P" --dial "$l6circ" --no-identify --echo-bytes 262144 --streams 1 --timeout 60
    expect_fail "6: lp2p -> lp2p echo of 256 KiB through the js relay's 128 KiB data limit fails promptly" 20 \
      "of('echo_done').length === 0 && of('disconnected').some(c => c.relayed)"
    run 6-js "$PEER" --dial "$l6circ" --ping 1 --timeout 60
    expect_ok "6: after both cuts, js -> lp2p through the same js relay works" "of('dialed')[0].limited === true && of('ping').length === 1"
    alive "6: lp2p listener still running" l6
  fi
fi

echo
echo "relay interop: ${SECONDS}s in total"
echo "relay interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
