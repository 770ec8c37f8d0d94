#!/usr/bin/env bash
# NAT lab test with the real lp2p binaries: a relay on the lab "internet", a listener behind NAT router
# A, a dialer behind router B (or on the firewalled VPS), exactly the field record of DESIGN.md §1.
# Usage: dcutr_lab_test.sh BIN_DIR SCENARIO
#   a   both sites port-preserving NAT: the punch must succeed (direct connection, pings over it)
#   b   field scenario 2: listener behind port-preserving NAT, dialer on the VPS (firewall admits new TCP
#       only to 22 and 16111): the punch must succeed
#   c   field scenario 1: listener behind a symmetric NAT: the standard punch cannot work, lp2p's birthday
#       spray (/lp2p/dcutr-spray/1.0.0, on by default) ends direct; the kernel shows the listener's socket
#       from a fresh port and the dialer's listening port connected to router A's public address
#       (tests/natlab/spray_lab_test.sh repeats it 20 times)
#   c_off  the same with --spray off on both peers: the punch fails cleanly, pings still cross the relay,
#       and the diagnosis names the endpoint-dependent mapping
#   d   mapping loss: router A's conntrack table is flushed after the reservation; the listener notices,
#       reconnects and re-reserves by itself, and a new dial then succeeds
#   d2  the same with an established-TCP timeout on router A shorter than the idle time
#   r   the relay is killed and restarted after the reservation: the listener re-reserves within 30 s by
#       itself and a new dial through the relay succeeds
#   e   scenario a with the js-libp2p relay (tests/interop/peer --relay) in place of the lp2p relay
# "Direct" is proven from the kernel: the dialer's namespace holds an established TCP socket to the
# listener's public NAT address (not to the relay). Exit: 0 pass, 1 fail, 77 skipped (no root/netns).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:?usage: dcutr_lab_test.sh BIN_DIR SCENARIO}" && pwd)
scenario=${2:?scenario a|b|c|c_off|d|d2|e|r}
source "$here/lab.sh"
lab_require

source "$here/checks.sh"

relay_seed=0 listen_seed=1 dial_seed=2
relay_id=$("$bin/peer-id" --secret-key-seed $relay_seed)
listen_id=$("$bin/peer-id" --secret-key-seed $listen_seed)
relay_ma=/ip4/$LAB_IP_RELAY/tcp/4001/p2p/$relay_id
listen_port=40001 dial_port=16111   # the VPS firewall admits 16111, as in the field record

case $scenario in
  a) lab_up --nat-a preserving --nat-b preserving --dialer siteb ;;
  b) lab_up --nat-a preserving --dialer vps ;;
  c|c_off) lab_up --nat-a symmetric --nat-b preserving --dialer siteb ;;
  d|r) lab_up --nat-a preserving --nat-b preserving --dialer siteb ;;
  d2) lab_up --nat-a preserving --nat-b preserving --dialer siteb --est-timeout-a 6 ;;
  e)
    js_peer=$here/../interop/peer
    if [[ ! -d $here/../interop/node_modules ]] || ! "$here/../interop/node" --version >/dev/null 2>&1; then
      echo "SKIPPED: js-libp2p is not installed (run scripts/interop-setup.sh)"; exit 77
    fi
    lab_up --nat-a preserving --nat-b preserving --dialer siteb ;;
  *) echo "unknown scenario $scenario"; exit 2 ;;
esac

export LP2P_LOG=${LP2P_LOG:-info}
spray_flags=()
[[ $scenario == c_off ]] && spray_flags=(--spray off)
if [[ $scenario == e ]]; then
  # js-libp2p counts 203.0.113.0/24 as private; --treat-as-public makes it announce and use lab addresses.
  lab_spawn relay relay "$js_peer" --relay --listen /ip4/0.0.0.0/tcp/4001 --seed $relay_seed \
    --treat-as-public all --stay --timeout 280
  lab_wait_log "$(lab_logfile relay)" '"event":"listening"' 60 relay || { fail=$((fail + 1)); finish; }
else
  lab_spawn relay relay "$bin/relay-server" --port 4001 --secret-key-seed $relay_seed
  lab_wait_log "$(lab_logfile relay)" 'Listening on' 10 relay || { fail=$((fail + 1)); finish; }
fi

# d: a short keep-alive interval, so the flushed mapping is noticed quickly. d2: keep-alives further apart
# than router A's 6 s established timeout, so the idle mapping expires between two pings (with the
# default 15 s interval against a carrier's tens of seconds, it would not).
ping_interval=15
[[ $scenario == d ]] && ping_interval=3
[[ $scenario == d2 ]] && ping_interval=10
lab_spawn listener "$LAB_LISTENER_NS" "$bin/dcutr" --mode listen --secret-key-seed $listen_seed \
  --relay-address "$relay_ma" --port $listen_port --ping-interval $ping_interval "${spray_flags[@]}"
check "listener reserved a slot at the relay" \
  lab_wait_log "$(lab_logfile listener)" 'Relay accepted our reservation request' 20 listener

if [[ $scenario == d* ]]; then
  if [[ $scenario == d ]]; then
    lab_flush_conntrack a
    echo "flushed router A's conntrack table: the listener's relay connection is now dead"
  else
    echo "waiting for router A's 6 s established-TCP timeout to expire on the idle relay connection"
  fi
  check "listener noticed the loss and re-reserved by itself" \
    lab_wait_log "$(lab_logfile listener)" 'Reservation lost|reservation at .* lost' 60 listener
  check "reservation restored" \
    bash -c "grep -q 'Reservation lost' '$(lab_logfile listener)' && \
             timeout 60 bash -c 'until [ \$(grep -c \"Relay accepted our reservation request\" \"$(lab_logfile listener)\") -ge 2 ]; do sleep 0.5; done'"
fi

if [[ $scenario == r ]]; then
  lab_stop relay
  echo "relay killed; restarting it in 2 s (all its reservations are gone)"
  sleep 2
  mv "$(lab_logfile relay)" "$(lab_logfile relay).1"
  t0=$(date +%s)
  lab_spawn relay relay "$bin/relay-server" --port 4001 --secret-key-seed $relay_seed
  lab_wait_log "$(lab_logfile relay)" 'Listening on' 10 relay
  check "listener re-reserved at the restarted relay within 30 s" \
    lab_wait_log "$(lab_logfile relay)" 'reservation accepted for' 30 relay
  echo "re-reserved $(( $(date +%s) - t0 )) s after the restart"
fi

lab_spawn dialer "$LAB_DIALER_NS" "$bin/dcutr" --mode dial --secret-key-seed $dial_seed \
  --relay-address "$relay_ma" --remote-peer-id "$listen_id" --port $dial_port --timeout 90 "${spray_flags[@]}"
dial_log=$(lab_logfile dialer)
lab_wait_log "$dial_log" '^RESULT' 100 dialer
# Kernel evidence while both processes still run: established TCP sockets in each host's namespace.
listener_sockets=$(ip netns exec "$(lab_ns "$LAB_LISTENER_NS")" ss -Htn state established | awk '{print $3, $4}')
dialer_sockets=$(ip netns exec "$(lab_ns "$LAB_DIALER_NS")" ss -Htn state established | awk '{print $3, $4}')
echo "listener host sockets:"; echo "$listener_sockets" | sed 's/^/  /'
echo "dialer host sockets:"; echo "$dialer_sockets" | sed 's/^/  /'
lab_stop dialer
dial_rc=3
grep -q '^RESULT direct' "$dial_log" && dial_rc=0
grep -q '^RESULT failed' "$dial_log" && dial_rc=1
grep -E 'RESULT|Hole punch|Established new connection' "$dial_log" | sed 's/^/  dialer: /'
grep -E 'Hole punch|hole punch' "$(lab_logfile listener)" | sed 's/^/  listener: /'
grep -E 'spray: (round|with)' "$dial_log" "$(lab_logfile listener)" | cut -c1-300 | sed 's/^/  /'

listener_public=$LAB_LISTENER_PUBLIC_IP:$listen_port
case $scenario in
  a|b|d|d2|e|r)
    check "RESULT line says direct" grep -q '^RESULT direct' "$dial_log"
    # Kernel evidence: the listener's host holds an established socket from its LAN address and
    # listening port to the dialer's public address, and it is not the relay.
    check "kernel: listener host has a TCP connection from its listening port to the dialer's public address" \
      grep -Eq "^$LAB_LISTENER_IP:$listen_port $LAB_DIALER_PUBLIC_IP:$dial_port\$" <<<"$listener_sockets"
    check "kernel: dialer host has a TCP connection to the listener's public address" \
      grep -Eq "^$LAB_DIALER_IP:$dial_port $LAB_LISTENER_PUBLIC_IP:$listen_port\$" <<<"$dialer_sockets"
    check "direct ping RTT measured" grep -Eq 'RESULT direct .* rtt_direct_us=[0-9]+' "$dial_log"
    ;;
  c)
    # S (the listener) sprays from fresh ephemeral ports; E (the dialer) from its listening port.
    check "RESULT line says direct" grep -q '^RESULT direct' "$dial_log"
    check "the spray made the direct connection" grep -Eq 'spray: round [0-9]+ .* succeeded after' "$dial_log"
    check "kernel: dialer host has a TCP connection from its listening port to the listener's public address" \
      grep -Eq "^$LAB_DIALER_IP:$dial_port $LAB_LISTENER_PUBLIC_IP:[0-9]+\$" <<<"$dialer_sockets"
    check "kernel: listener host has a TCP connection to the dialer's public address and listening port" \
      grep -Eq "^$LAB_LISTENER_IP:[0-9]+ $LAB_DIALER_PUBLIC_IP:$dial_port\$" <<<"$listener_sockets"
    check "direct ping RTT measured" grep -Eq 'RESULT direct .* rtt_direct_us=[0-9]+' "$dial_log"
    ;;
  c_off)
    check "dialer ends relayed, not failed" test "$dial_rc" -eq 3
    check "RESULT line says relayed with a relayed ping RTT" grep -Eq '^RESULT relayed .* rtt_relayed_us=[0-9]+' "$dial_log"
    check "diagnosis names the endpoint-dependent mapping" \
      grep -Eq 'endpoint-dependent' "$(lab_logfile listener)"
    check "diagnosis shows the observed port differs from the listening port" \
      grep -Eq "differs from our listening port $listen_port" "$(lab_logfile listener)"
    check "kernel: no direct TCP connection between the hosts" \
      bash -c "! grep -q '$LAB_LISTENER_PUBLIC_IP:' <<<'$dialer_sockets'"
    ;;
esac
finish
