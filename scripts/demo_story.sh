#!/usr/bin/env bash
# Tells the hole-punch story with the real binaries (called by scripts/demo.sh).
# Usage: demo_story.sh BIN_DIR [preserving|symmetric]. In the NAT lab when it can run here (root, netns,
# nftables), else on loopback. `symmetric` is field scenario 1: the listener behind an endpoint-dependent
# NAT (masquerade fully-random), where standard DCUtR cannot work and lp2p's birthday spray does.
set -uo pipefail
bin=$(cd "${1:?usage: demo_story.sh BIN_DIR [preserving|symmetric]}" && pwd)
nat_a=${2:-preserving}
here=$(cd "$(dirname "$0")/.." && pwd)
relay_id=$("$bin/peer-id" --secret-key-seed 0)
listen_id=$("$bin/peer-id" --secret-key-seed 1)
dial_id=$("$bin/peer-id" --secret-key-seed 2)
step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { grep -E "$2" "$1" | sed -E 's/^[0-9T:.-]+Z [A-Z]+ +[a-z_]+: //' | head -"${3:-1}" | sed 's/^/    /'; }

if [[ $nat_a == symmetric ]]; then
  echo "lp2p hole-punch demo, part 2: the listener now sits behind a symmetric NAT (a new public port for every"
  echo "destination, like a phone hotspot). Standard DCUtR cannot punch that; lp2p's birthday spray can."
else
  echo "lp2p hole-punch demo: two peers behind NATs meet through a Circuit Relay v2 server, then DCUtR"
  echo "upgrades their relayed connection to a direct TCP connection (a simultaneous open from reused ports)."
fi
echo "Identities (rust-libp2p's --secret-key-seed derivation): relay=seed 0 $relay_id"
echo "                                                          listener=seed 1 $listen_id"
echo "                                                          dialer=seed 2 $dial_id"

if (source "$here/tests/natlab/lab.sh"; lab_require) >/dev/null 2>&1; then
  source "$here/tests/natlab/lab.sh"
  lab_up --nat-a "$nat_a" --nat-b preserving --dialer siteb >/dev/null 2>&1
  if [[ $nat_a == symmetric ]]; then
    where="the NAT lab (network namespaces; listener behind a symmetric NAT, dialer behind a port-preserving one)"
  else
    where="the NAT lab (network namespaces; both sites behind port-preserving Linux NAT)"
  fi
  relay_ip=$LAB_IP_RELAY; relay_ns=relay; listen_ns=$LAB_LISTENER_NS; dial_ns=$LAB_DIALER_NS
  run() { local name=$1 ns=$2; shift 2; lab_spawn "$name" "$ns" "$@" 2>/dev/null; }
  logf() { lab_logfile "$1"; }
  stop_all() { lab_down >/dev/null 2>&1; }
else
  if [[ $nat_a == symmetric ]]; then
    echo "NOTE: part 2 needs the NAT lab (root, network namespaces, nftables); skipped on this machine."
    exit 0
  fi
  echo
  echo "NOTE: network namespaces are not available here (not root, or no ip/nft): running on loopback, so there"
  echo "      is no NAT to punch through; the same steps run, and the 'direct' connection is a plain local one."
  where="loopback"
  relay_ip=127.0.0.1; tmp=$(mktemp -d); declare -A pids
  run() { local name=$1; shift 2; "$@" </dev/null >"$tmp/$name.log" 2>&1 & pids[$name]=$!; }
  logf() { echo "$tmp/$1.log"; }
  stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
  relay_ns=x listen_ns=x dial_ns=x
fi
trap stop_all EXIT
wait_for() { local f=$1 re=$2 t=${3:-30} i; for ((i = 0; i < t * 10; i++)); do grep -Eq "$re" "$f" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
relay_ma=/ip4/$relay_ip/tcp/4001/p2p/$relay_id

step "1. The relay starts on $where"
echo "    relay-server --port 4001 --secret-key-seed 0"
run relay "$relay_ns" "$bin/relay-server" --port 4001 --secret-key-seed 0
wait_for "$(logf relay)" 'Listening on' 10 || { echo "the relay did not start:"; cat "$(logf relay)"; exit 1; }
show "$(logf relay)" '^Listening on'

step "2. The listener connects to the relay, learns its public address and reserves a slot"
echo "    dcutr --mode listen --secret-key-seed 1 --relay-address $relay_ma"
run listener "$listen_ns" "$bin/dcutr" --mode listen --secret-key-seed 1 --relay-address "$relay_ma" --port 40001
wait_for "$(logf listener)" 'Relay accepted our reservation request' 20 || { echo "no reservation:"; cat "$(logf listener)"; exit 1; }
show "$(logf listener)" 'Relay told us our observed address'
show "$(logf listener)" 'Relay accepted our reservation request'
show "$(logf listener)" 'Listening on address address=.*p2p-circuit' 

step "3. The dialer connects to the listener through the relay"
echo "    dcutr --mode dial --secret-key-seed 2 --relay-address $relay_ma --remote-peer-id $listen_id"
run dialer "$dial_ns" "$bin/dcutr" --mode dial --secret-key-seed 2 --relay-address "$relay_ma" \
  --remote-peer-id "$listen_id" --port 16111 --timeout 60
wait_for "$(logf dialer)" '^RESULT' 70 || { echo "no result:"; cat "$(logf dialer)"; exit 1; }
show "$(logf dialer)" 'Relay told us our observed address'
show "$(logf dialer)" 'Established new connection .*endpoint=relayed'

if [[ $nat_a == symmetric ]]; then
  step "4. The spray: the two sides compare NAT mappings over the relay, then a birthday punch"
  echo "    The relay saw the listener's connection from a port its NAT picked at random; the listener's own"
  echo "    classification and the plan both sides compute from the two OFFERs (/lp2p/dcutr-spray/1.0.0):"
  show "$(logf listener)" 'spray: our mapping'
  show "$(logf listener)" 'spray: with .*'
  echo "    Each side's round: the listener opens K sockets from fresh ports (K random public ports); the dialer"
  echo "    opens M sockets from its listening port aimed at guessed ports; a collision is a TCP simultaneous open:"
  show "$(logf listener)" 'spray: round [0-9]+ with .*(opening|succeeded|failed)' 2
  show "$(logf dialer)" 'spray: round [0-9]+ with .*(opening|succeeded|failed)' 2
else
  step "4. DCUtR: the listener sends CONNECT, measures the round trip, sends SYNC; both dial from their listening ports"
  show "$(logf listener)" 'attempt 1 with'
  show "$(logf dialer)" 'SYNC from'
fi
show "$(logf dialer)" 'Hole punch succeeded|Hole punch failed'
show "$(logf listener)" 'Hole punch succeeded|Hole punch failed'

step "5. Result"
result=$(grep '^RESULT' "$(logf dialer)")
echo "    $result"
relayed=$(sed -nE 's/.*rtt_relayed_us=([0-9]+).*/\1/p' <<<"$result")
direct=$(sed -nE 's/.*rtt_direct_us=([0-9]+).*/\1/p' <<<"$result")
[[ -n $relayed ]] && echo "    ping RTT through the relay: ${relayed} us"
[[ -n $direct ]] && echo "    ping RTT direct:            ${direct} us"
if [[ $where != loopback ]]; then
  echo "    kernel view (ss) in the dialer's host: established TCP sockets (local -> peer):"
  ip netns exec "$(lab_ns "$dial_ns")" ss -Htn state established | awk '{print "      " $3 " -> " $4}'
  if [[ $nat_a == symmetric ]]; then
    echo "    ($LAB_IP_RELAY:4001 is the relay; $LAB_IP_RA_WAN:<random port> is the listener's symmetric NAT: a direct connection)"
  else
    echo "    ($LAB_IP_RELAY:4001 is the relay; $LAB_IP_RA_WAN:40001 is the listener's NAT: a direct connection)"
  fi
fi
[[ $result == "RESULT direct"* ]] && { echo; echo "The peers now talk directly; the relay is no longer in the path."; exit 0; }
exit 1
