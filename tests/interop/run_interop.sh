#!/usr/bin/env bash
# lp2p <-> js-libp2p interop on 127.0.0.1, both directions, with real processes (README.md here):
#   (a) lp2p_peer dials a js listener (peer.mjs), (b) a js dialer dials an lp2p_peer listener.
# Each direction checks identify (as seen by BOTH sides), ping, a 64 MiB echo over 8 concurrent streams
# (SHA-256 compared), half-close, reset and a dial with the wrong expected PeerId.
# Usage: tests/interop/run_interop.sh PATH/TO/lp2p_peer      (ctest: interop.js)
# Prints PASS/FAIL per check and "N passed, N failed"; exit 1 on failure, 77 (skip) without Node/npm.
# Env: KEEP_TMP=1 keeps the event logs, LP2P_LOG=debug for lp2p's logs (stderr files in the temp dir).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
LP2P=${1:-}
if [[ -z $LP2P || ! -x $LP2P ]]; then
  echo "usage: $0 PATH/TO/lp2p_peer (got '${LP2P}', not an executable)" >&2
  exit 2
fi
LP2P=$(cd "$(dirname "$LP2P")" && pwd)/$(basename "$LP2P")

source "$here/harness.sh"
harness_setup "lp2p <-> js-libp2p interop" lp2p-interop
export LP2P_LOG=${LP2P_LOG:-info}

# start NAME EVENT CMD...: a server in the background, waiting (60 s max) for its EVENT line.
start() {
  local name=$1 event=$2; shift 2
  start_matching "$name" "\"event\":\"$event\"" "$@"
}

# expect_mismatch LABEL 'JS condition': the last dialer failed (exit 1) with one error event and no done.
expect_mismatch() {
  local name=$1 cond=$2 why
  if [[ $rc -ne 1 ]]; then fail "$name" "exit code $rc, want 1" "$last" "$last_err"; return; fi
  if ! why=$(check "$last" "of('error').length === 1 && of('done').length === 0 && ($cond)"); then
    fail "$name" "$why" "$last"; return
  fi
  pass "$name: $(field "$last" error e.message | cut -c1-200)"
}

# The JS condition that 8 echo streams of 8 MiB came back with the sha256 of peer.mjs's generator
# (computed here in Node for data seed 1, streams 0..7).
ECHO_BYTES=8388608 ECHO_STREAMS=8
expected_echo_sha=$("$NODE" -e '
  const { createHash, createCipheriv } = require("crypto")
  const out = []
  for (let i = 0; i < 8; i++) {
    const key = createHash("sha256").update(`lp2p-interop-data:1:${i}`).digest().subarray(0, 16)
    const c = createCipheriv("aes-128-ctr", key, Buffer.alloc(16))
    out.push(createHash("sha256").update(c.update(Buffer.alloc(8388608))).digest("hex"))
  }
  console.log(JSON.stringify(out))')
ECHO_COND="of('echo_done').length === $ECHO_STREAMS && of('echo_total')[0]?.bytes === $((ECHO_BYTES * ECHO_STREAMS)) &&
  of('echo_done').every(e => e.bytes === $ECHO_BYTES && e.sha256 === $expected_echo_sha[e.stream])"

WRONG_ID=12D3KooWR2KSRQWyanR1dPvnZkXt296xgf3FFn8135szya3zYYwY   # seed 42: a valid PeerId nobody here uses
SEED0_ID=12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
ANY=/ip4/127.0.0.1/tcp/0
echo "lp2p <-> js-libp2p interop: node $("$NODE" --version), lp2p_peer $LP2P, temp dir $tmp"

# ===================================================================== (a) lp2p dials a js listener
echo "== (a) lp2p dials js"
if start js-listener listening "$PEER" --listen $ANY --seed 0 --timeout 1200; then
  J="$tmp/js-listener.out"
  jaddr=$(field "$J" listening 'e.addrs[0]')   # /ip4/127.0.0.1/tcp/P/p2p/<js id>

  # The lp2p dialer also listens: with port reuse it dials from its listening port.
  run a-identify-ping "$LP2P" --listen $ANY --dial "$jaddr" --expect-peer $SEED0_ID --ping 5 --timeout 120
  lid=$(field "$last" listening e.peerId 2>/dev/null)
  expect_ok "a: lp2p got js's identify (agent js-libp2p/, ipfs/0.1.0, protocols, listenAddrs, observedAddr = our dialing address) + ping x5" \
    "of('ping').length === 5 && of('dialed')[0].peerId === '$SEED0_ID' &&
     of('dialed')[0].localAddr === noP2p(of('listening')[0].addrs[0]) &&
     (() => { const i = of('identify').find(x => x.peerId === '$SEED0_ID'); return i !== undefined &&
       i.agentVersion.startsWith('js-libp2p/') && i.protocolVersion === 'ipfs/0.1.0' &&
       ['/echo/1.0.0', '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/lp2p-test/sink/1.0.0', '/lp2p-test/reset/1.0.0'].every(p => i.protocols.includes(p)) &&
       i.listenAddrs.includes(noP2p('$jaddr')) && i.observedAddr === of('dialed')[0].localAddr || JSON.stringify(i) })()"
  sleep 0.5
  if why=$(check "$J" "(() => { const i = of('identify').find(x => x.peerId === '$lid');
        const c = of('connected').find(x => x.peerId === '$lid');
        return i !== undefined && c !== undefined && c.direction === 'inbound' &&
          i.agentVersion.startsWith('lp2p/') && i.protocolVersion === 'ipfs/0.1.0' &&
          ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/echo/1.0.0', '/lp2p-test/sink/1.0.0', '/lp2p-test/reset/1.0.0'].every(p => i.protocols.includes(p)) &&
          i.listenAddrs.includes(noP2p(c.remoteAddr)) && noP2p(i.observedAddr) === noP2p('$jaddr') &&
          noP2p(c.remoteAddr) === of2('dialed')[0].localAddr || JSON.stringify({ identify: i, connected: c }) })()" "$last"); then
    pass "a: js got lp2p's identify (agent lp2p/, ipfs/0.1.0, id+ping+echo/sink/reset, listenAddrs, observedAddr = js's address) and sees the lp2p dialer's address"
  else
    fail "a: js side of identify" "$why" "$J"
  fi

  run a-echo "$LP2P" --dial "$jaddr" --echo-bytes $ECHO_BYTES --streams $ECHO_STREAMS --timeout 600
  expect_ok "a: lp2p echo 64 MiB over 8 concurrent streams to js, SHA-256 = peer.mjs's data" "$ECHO_COND"
  echo "     throughput lp2p->js: $(field "$last" echo_total '`${e.mibPerSec.toFixed(2)} MiB/s (${e.ms} ms)`' 2>/dev/null)"

  run a-half-close "$LP2P" --dial "$jaddr" --half-close-test --timeout 120
  expect_ok "a: half-close (js echo finishes after lp2p's FIN; js sink replies after lp2p's FIN)" \
    "of('half_close')[0]?.ok === true"
  hc_sha=$(field "$last" half_close e.sha256 2>/dev/null)

  run a-reset "$LP2P" --dial "$jaddr" --reset-test --timeout 120
  expect_ok "a: js's stream reset is seen by lp2p as a reset" \
    "of('reset')[0]?.ok === true && of('reset')[0].error === 'stream_reset'"

  # 13 s on one connection with lp2p's keep-alive ping every 1.5 s: js resets an inbound ping stream
  # 10 s after it opened, and its connection monitor pings lp2p after 10 s.
  run a-hold "$LP2P" --dial "$jaddr" --ping-interval-ms 1500 --hold 13 --timeout 120
  expect_ok "a: connection held 13 s: lp2p's keep-alive pings to js all succeed (js resets ping streams after 10 s)" \
    "of('held').length === 1 && of('host_ping').length >= 5 &&
     (of('ping_failed').length === 0 || JSON.stringify(of('ping_failed'))) &&
     ev.findIndex(e => e.event === 'disconnected') > ev.findIndex(e => e.event === 'held')"

  run a-wrong-peer "$LP2P" --dial "${jaddr%/p2p/*}" --expect-peer $WRONG_ID --timeout 60
  expect_mismatch "a: lp2p dial with the wrong expected PeerId fails" \
    "of('error')[0].code === 'peer_id_mismatch' && of('error')[0].message.includes('$SEED0_ID') &&
     of('error')[0].message.includes('$WRONG_ID') || JSON.stringify(of('error')[0])"

  sleep 0.5
  if why=$(check "$J" "of('served').filter(e => e.protocol === '/echo/1.0.0' && e.bytes === $ECHO_BYTES).length === $ECHO_STREAMS &&
      of('served').some(e => e.protocol === '/lp2p-test/sink/1.0.0' && e.sha256 === '$hc_sha') &&
      of('served').some(e => e.protocol === '/lp2p-test/reset/1.0.0') &&
      (of('stream_error').length === 0 || JSON.stringify(of('stream_error')))"); then
    pass "a: js listener served echo x8, sink and reset without stream errors"
  else
    fail "a: js listener side" "$why" "$J"
  fi
  if kill -0 "$pid_js_listener" 2>/dev/null; then pass "a: js listener still running"; else fail "a: js listener died" "" "$J" "$tmp/js-listener.err"; fi
fi

# ===================================================================== (b) js dials an lp2p listener
echo "== (b) js dials lp2p"
# Keep-alive pings every second: they run alongside js's echo streams.
if start lp2p-listener listening "$LP2P" --listen $ANY --seed 1 --ping-interval-ms 1000 --timeout 1200; then
  L="$tmp/lp2p-listener.out"
  laddr=$(field "$L" listening 'e.addrs[0]')
  lid=$(field "$L" listening e.peerId)
  if check "$L" "of('listening')[0].peerId === '$(field "$L" listening e.peerId)' && '$laddr'.startsWith('/ip4/127.0.0.1/tcp/') &&
      '$laddr'.endsWith('/p2p/$lid')" >/dev/null; then
    pass "b: lp2p listens on $laddr"
  else
    fail "b: lp2p listening event" "bad" "$L"
  fi

  run b-identify-ping "$PEER" --dial "$laddr" --expect-peer "$lid" --ping 5 --timeout 120
  expect_ok "b: js got lp2p's identify (agent lp2p/, ipfs/0.1.0, id+ping+echo/sink/reset, listenAddrs) + ping x5" \
    "of('ping').length === 5 &&
     (() => { const i = of('identify').find(x => x.peerId === '$lid'); return i !== undefined &&
       i.agentVersion.startsWith('lp2p/') && i.protocolVersion === 'ipfs/0.1.0' &&
       ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/echo/1.0.0', '/lp2p-test/sink/1.0.0', '/lp2p-test/reset/1.0.0'].every(p => i.protocols.includes(p)) &&
       i.listenAddrs.includes(noP2p('$laddr')) && i.observedAddr?.startsWith('/ip4/127.0.0.1/tcp/') || JSON.stringify(i) })()"
  js_observed=$(field "$last" identify 'e.observedAddr' 2>/dev/null)
  sleep 0.5
  # lp2p's inbound connection from js: its remote address is what lp2p told js (observedAddr), and lp2p
  # got js's identify on it, with observedAddr = lp2p's own listen address.
  if why=$(check "$L" "(() => { const c = of('connected').find(x => x.direction === 'inbound' && x.remoteAddr === noP2p('$js_observed'));
        if (c === undefined) return 'no inbound connection from ' + noP2p('$js_observed') + ': ' + JSON.stringify(of('connected'));
        const i = of('identify').find(x => x.peerId === c.peerId);
        return i !== undefined && i.agentVersion.startsWith('js-libp2p/') && i.protocolVersion === 'ipfs/0.1.0' &&
          ['/echo/1.0.0', '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'].every(p => i.protocols.includes(p)) &&
          i.observedAddr === noP2p('$laddr') || JSON.stringify(i) })()"); then
    pass "b: lp2p got js's identify (agent js-libp2p/, observedAddr = lp2p's listen address) and told js its address ($js_observed)"
  else
    fail "b: lp2p side of identify" "$why" "$L"
  fi

  run b-echo "$PEER" --dial "$laddr" --echo-bytes $ECHO_BYTES --streams $ECHO_STREAMS --timeout 600
  expect_ok "b: js echo 64 MiB over 8 concurrent streams to lp2p, SHA-256 compared" "$ECHO_COND"
  echo "     throughput js->lp2p: $(field "$last" echo_total '`${e.mibPerSec} MiB/s (${e.ms} ms)`' 2>/dev/null)"

  run b-half-close "$PEER" --dial "$laddr" --half-close-test --timeout 120
  expect_ok "b: half-close (lp2p echo finishes after js's FIN; lp2p sink replies after js's FIN)" \
    "of('half_close')[0]?.ok === true"
  hc_sha=$(field "$last" half_close e.sha256 2>/dev/null)

  run b-reset "$PEER" --dial "$laddr" --reset-test --timeout 120
  expect_ok "b: lp2p's stream reset is seen by js as StreamResetError" \
    "of('reset')[0]?.ok === true && of('reset')[0].error === 'StreamResetError'"

  run b-wrong-peer "$PEER" --dial "${laddr%/p2p/*}/p2p/$WRONG_ID" --timeout 60
  expect_mismatch "b: js dial of lp2p with the wrong /p2p/ PeerId fails in the handshake" "true"

  sleep 0.5
  if why=$(check "$L" "of('served').filter(e => e.protocol === '/echo/1.0.0' && e.bytes === $ECHO_BYTES).length === $ECHO_STREAMS &&
      of('served').some(e => e.protocol === '/lp2p-test/sink/1.0.0' && e.sha256 === '$hc_sha') &&
      of('served').some(e => e.protocol === '/lp2p-test/reset/1.0.0' && e.reset === true) &&
      (of('stream_error').length === 0 || JSON.stringify(of('stream_error')))"); then
    pass "b: lp2p listener served echo x8, sink and reset without stream errors"
  else
    fail "b: lp2p listener side" "$why" "$L" "$tmp/lp2p-listener.err"
  fi

  # Clean shutdown on SIGTERM: done event, exit 0.
  kill -TERM "$pid_lp2p_listener" 2>/dev/null
  wait "$pid_lp2p_listener"
  src=$?
  if [[ $src -eq 0 ]] && check "$L" "of('done').length === 1 && of('error').length === 0" >/dev/null; then
    pass "b: lp2p listener stays up through all dials and exits 0 with 'done' on SIGTERM"
  else
    fail "b: lp2p listener shutdown" "exit $src" "$L" "$tmp/lp2p-listener.err"
  fi
fi

echo
echo "interop: ${SECONDS}s in total"
echo "interop: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
