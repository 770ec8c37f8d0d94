#!/usr/bin/env bash
# Self-test of the js interop harness: js listener/relay/dialer (peer.mjs) against each other on
# 127.0.0.1 only. Proves that peer.mjs and its JSON events work before they are used against lp2p.
# Usage: tests/interop/run_js_js.sh        (installs the pinned npm packages first if needed)
# Ends with "N passed, N failed"; exits non-zero if any check failed (77: skipped, js-libp2p unavailable).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/harness.sh"
harness_setup "js-js interop self-test" lp2p-js-js

# start NAME WAIT_EVENT ARGS...: a js peer in the background, waiting (60 s max) for its WAIT_EVENT line.
start() {
  local name=$1 event=$2; shift 2
  start_matching "$name" "\"event\":\"$event\"" "$PEER" "$@"
}
# dial NAME ARGS...: a js dialer to completion; events in $tmp/NAME.out, exit code in $rc.
dial() {
  local name=$1; shift
  run "$name" "$PEER" "$@"
}

SEED0_ID=12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
echo "js-js interop self-test: node $("$NODE" --version), temp dir $tmp"

# ---------------------------------------------------------------- direct connections to a js listener
if start listener listening --listen /ip4/127.0.0.1/tcp/0 --seed 0 --timeout 600; then
  L="$tmp/listener.out"
  laddr=$(field "$L" listening 'e.addrs[0]')
  if check "$L" "of('listening')[0].peerId === '$SEED0_ID' && of('listening')[0].addrs.every(a => a.startsWith('/ip4/127.0.0.1/tcp/'))" >/dev/null; then
    pass "seed 0 gives $SEED0_ID, listens on 127.0.0.1 only"
  else
    fail "seed 0 peer id / listen address" "got $(field "$L" listening 'JSON.stringify(e)')"
  fi

  dial ping-identify --dial "$laddr" --expect-peer "$SEED0_ID" --ping 5
  expect_ok "ping x5 + identify" "of('ping').length === 5 && of('ping').every(p => p.rttMs >= 0) &&
    (() => { const i = of('identify').find(x => x.peerId === '$SEED0_ID'); return i !== undefined &&
      i.agentVersion.startsWith('js-libp2p/') && i.protocolVersion === 'ipfs/0.1.0' &&
      ['/echo/1.0.0', '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/lp2p-test/sink/1.0.0', '/lp2p-test/reset/1.0.0'].every(p => i.protocols.includes(p)) &&
      i.listenAddrs.includes('$laddr'.replace('/p2p/$SEED0_ID', '')) && i.observedAddr.startsWith('/ip4/127.0.0.1/tcp/') || JSON.stringify(i) })()"

  dial echo --dial "$laddr" --expect-peer "$SEED0_ID" --echo-bytes 8388608 --streams 8 --timeout 300
  expect_ok "echo 64 MiB over 8 concurrent streams" "of('echo_done').length === 8 &&
    new Set(of('echo_done').map(e => e.sha256)).size === 8 && of('echo_total')[0].bytes === 67108864"
  echo "     echo throughput: $(field "$tmp/echo.out" echo_total '`${e.mibPerSec} MiB/s (${e.ms} ms)`' 2>/dev/null)"

  dial half-close --dial "$laddr" --half-close-test
  expect_ok "half-close (echo finishes after our FIN; sink replies after our FIN)" \
    "of('half_close').length === 1 && of('half_close')[0].ok === true"

  dial reset --dial "$laddr" --reset-test
  expect_ok "remote stream reset is seen as a reset" \
    "of('reset').length === 1 && of('reset')[0].error === 'StreamResetError'"

  dial wrong-peer --dial "${laddr%/p2p/*}" --expect-peer 12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X --timeout 30
  if [[ $rc -ne 0 ]] && check "$tmp/wrong-peer.out" "of('error').length === 1 && of('done').length === 0" >/dev/null; then
    pass "--expect-peer mismatch fails (exit $rc)"
  else
    fail "--expect-peer mismatch must fail" "exit $rc" "$tmp/wrong-peer.out"
  fi

  sleep 0.5
  if check "$L" "of('served').filter(e => e.protocol === '/echo/1.0.0' && e.bytes === 8388608).length === 8 &&
      of('served').some(e => e.protocol === '/lp2p-test/sink/1.0.0' && e.sha256 === '$(field "$tmp/half-close.out" half_close e.sha256)') &&
      of('served').some(e => e.protocol === '/lp2p-test/reset/1.0.0') && of('stream_error').length === 0" >/dev/null; then
    pass "listener served echo x8, sink and reset without stream errors"
  else
    fail "listener side" "unexpected served/stream_error events" "$L"
  fi
fi

# ------------------------------------------------- relay v2 without limits: reserve + relayed dial
if start relay listening --listen /ip4/127.0.0.1/tcp/0 --seed 2 --relay --relay-no-limits --timeout 600; then
  raddr=$(field "$tmp/relay.out" listening 'e.addrs[0]')
  if start relayed reserved --relay-listen "$raddr" --seed 3 --timeout 600; then
    B="$tmp/relayed.out"
    bid=$(field "$B" reserved e.peerId)
    circuit=$(field "$B" reserved 'e.addrs[0]')
    if [[ $circuit == "$raddr/p2p-circuit/p2p/$bid" ]]; then
      pass "reservation on the js relay gives $raddr/p2p-circuit/p2p/<id>"
    else
      fail "reservation address" "got '$circuit'" "$B"
    fi
    sleep 0.3
    if check "$tmp/relay.out" "of('reservation').some(r => r.peerId === '$bid' && r.limit === null)" >/dev/null; then
      pass "relay reports the reservation (no limits)"
    else
      fail "relay reservation event" "missing" "$tmp/relay.out"
    fi
    dial relayed-dial --dial "$circuit" --expect-peer "$bid" --ping 3 --echo-bytes 1048576 --streams 2 --half-close-test --reset-test
    expect_ok "relayed dial: ping, identify, echo 2x1 MiB, half-close, reset" \
      "of('dialed')[0].relayed === true && of('dialed')[0].limited === false && of('ping').length === 3 &&
       of('identify').some(i => i.peerId === '$bid' && i.relayed) && of('echo_done').length === 2 &&
       of('half_close')[0]?.ok === true && of('reset')[0]?.ok === true"
  fi
fi

# ---------------------------------------- relay v2 with the default limits (128 KiB, 2 min per circuit)
if start relay-lim listening --listen /ip4/127.0.0.1/tcp/0 --seed 4 --relay --timeout 600; then
  raddr=$(field "$tmp/relay-lim.out" listening 'e.addrs[0]')
  if start relayed-lim reserved --relay-listen "$raddr" --seed 5 --timeout 600; then
    circuit=$(field "$tmp/relayed-lim.out" reserved 'e.addrs[0]')
    dial limited-dial --dial "$circuit" --ping 2 --echo-bytes 4096 --streams 2
    expect_ok "limited relayed dial: ping + echo 2x4 KiB, data limit <= 128 KiB" \
      "of('dialed')[0].limited === true && of('dialed')[0].limits.bytes <= 131072 && of('dialed')[0].limits.seconds > 0 &&
       of('ping').length === 2 && of('echo_done').length === 2"
    echo "     note: the js relay's Limit.duration on the wire is $(field "$tmp/limited-dial.out" dialed 'e.limits.seconds') (read as seconds; js enforces it as milliseconds)"
    dial limited-over --dial "$circuit" --echo-bytes 262144 --timeout 30
    if [[ $rc -ne 0 ]]; then
      pass "echo of 256 KiB over a 128 KiB-limited circuit fails (exit $rc: $(field "$tmp/limited-over.out" error e.message))"
    else
      fail "data limit" "256 KiB echo over a 128 KiB circuit succeeded" "$tmp/limited-over.out"
    fi
  fi
fi

# ------------------ DCUtR over a limited js relay: with loopback treated as public, js upgrades to direct
# (js drops private candidates, so without --treat-as-public there is nothing to dial.)
if [[ -n ${raddr:-} ]] && grep -q '"event":"listening"' "$tmp/relay-lim.out" 2>/dev/null &&
   start dcutr-b reserved --listen /ip4/127.0.0.1/tcp/0 --relay-listen "$raddr" --dcutr --treat-as-public all --timeout 600; then
  circuit=$(field "$tmp/dcutr-b.out" reserved 'e.addrs[0]')
  dial dcutr-a --listen /ip4/127.0.0.1/tcp/0 --dial "$circuit" --dcutr --treat-as-public all --ping 1 --expect-direct --timeout 60
  expect_ok "DCUtR: relayed dial upgraded to a direct connection"     "of('dialed')[0].relayed === true && of('direct').length === 1 && of('direct')[0].relayed === false"
fi

# ------------------------------------- --treat-as-public all: loopback listen addresses still announced
if start public listening --listen /ip4/127.0.0.1/tcp/0 --treat-as-public all --timeout 600; then
  paddr=$(field "$tmp/public.out" listening 'e.addrs[0]')
  dial public-dial --dial "$paddr" --ping 1 --treat-as-public testnet,10.0.0.0/8
  expect_ok "--treat-as-public: hook active, listen address still announced via identify" \
    "of('identify').some(i => i.listenAddrs.length === 1 && '$paddr'.startsWith(i.listenAddrs[0]))"
fi

echo
echo "js-js: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
