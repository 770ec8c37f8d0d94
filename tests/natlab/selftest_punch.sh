#!/usr/bin/env bash
# Self-test of the NAT lab with plain sockets (no lp2p binaries): proves that the lab's NATs and
# firewall behave like the field record in DESIGN.md §1 before lp2p is judged in it.
#   (a) both sites behind port-preserving NAT   -> TCP simultaneous open succeeds (direct)
#   (b) site A preserving, peer on the VPS       -> succeeds; controls prove the firewall is real
#   (c) site A behind symmetric NAT              -> fails (mapped port differs per destination)
#   (d) mapping loss on router A                 -> a live TCP flow to the relay dies after
#                                                   conntrack -F, and after a short established timeout
# Prints PASS/FAIL lines with kernel evidence (ss, conntrack, nft counters); exit 1 on any FAIL,
# 77 when the machine cannot run the lab. Always tears the lab down (trap in lab.sh).
# Usage: bash tests/natlab/selftest_punch.sh [a|b|c|d ...]   (default: all)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_require "$LAB_PYTHON"

PY=$LAB_PYTHON
SIMOPEN="$HERE/simopen.py"
TCPECHO="$HERE/tcpecho.py"
FAILS=0
PASSES=0

pass() { echo "PASS $*"; PASSES=$((PASSES + 1)); }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
# check DESCRIPTION COMMAND...: PASS/FAIL by the command's status.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
evidence() { echo "  evidence: $1"; awk '{print "    " $0; n++} END {if (!n) print "    (none)"}'; }
log_has() { grep -Eq -- "$2" "$(lab_logfile "$1")"; }
# field LOGNAME EVENT KEY: value of KEY= on the first EVENT line of a process log.
field() { grep -E " $2( |$)" "$(lab_logfile "$1")" | head -n1 | tr ' ' '\n' | sed -n "s/^$3=//p"; }
show_logs() { local n; for n in "$@"; do sed "s/^/    [$n] /" "$(lab_logfile "$n")"; done; }
ss_all() { local ns; for ns in "$@"; do lab_ss "$ns" | sed "s/^/$ns: /"; done; }

# Wait until each named process logged HOLDING (connected) or ended; returns 0 if all connected.
wait_connected() {
  local timeout=$1 ok=0 n; shift
  for n in "$@"; do
    lab_wait_log "$(lab_logfile "$n")" 'HOLDING|TIMEOUT|EXCHANGE-FAILED|Traceback' "$timeout" || ok=1
    log_has "$n" HOLDING || ok=1
  done
  return $ok
}

# ---------------------------------------------------------------------------------------------
scenario_a() {
  echo "=== (a) both sites behind port-preserving NAT: simultaneous open must succeed"
  lab_up --nat-a preserving --nat-b preserving --dialer siteb
  # Rendezvous: A holds a connection to the relay from its punch port; what the relay sees is A's
  # observed (public) address, which is what a dialer is told to aim at.
  lab_spawn relay relay "$PY" "$SIMOPEN" --listen-only --bind "$LAB_IP_RELAY:4001" --timeout 10 --hold 30
  lab_wait_port relay 4001 5
  lab_spawn a-relay ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40001" --peer "$LAB_IP_RELAY:4001" --timeout 5 --hold 30
  wait_connected 8 relay a-relay
  local observed; observed=$(field relay CONNECTED peer)
  check "(a) relay observed A at its public address with the port kept: $observed" \
    test "$observed" = "$LAB_IP_RA_WAN:40001"
  lab_spawn a ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40001" --peer "$LAB_IP_RB_WAN:40002" --timeout 8 --hold 20
  lab_spawn b hb "$PY" "$SIMOPEN" --bind "$LAB_IP_HB:40002" --peer "$observed" --timeout 8 --hold 20
  if wait_connected 10 a b; then pass "(a) both simopen sides connected and exchanged a line"; else fail "(a) simultaneous open did not complete"; fi
  show_logs a b
  check "(a) kernel on host A: established $LAB_IP_HA:40001 <-> $LAB_IP_RB_WAN:40002 (B's public address)" \
    lab_has_established ha "$LAB_IP_HA:40001" "$LAB_IP_RB_WAN:40002"
  check "(a) kernel on host B: established $LAB_IP_HB:40002 <-> $LAB_IP_RA_WAN:40001 (A's public address)" \
    lab_has_established hb "$LAB_IP_HB:40002" "$LAB_IP_RA_WAN:40001"
  ss_all ha hb | evidence "ss -tn state established (host A also keeps its relay connection)"
  check "(a) router A mapped 192.0.2.10:40001 -> public port 40001 (preserved)" \
    test "$(lab_nat_port ra "$LAB_IP_HA" 40001 "$LAB_IP_RB_WAN" 40002)" = 40001
  check "(a) router B mapped 198.51.100.10:40002 -> public port 40002 (preserved)" \
    test "$(lab_nat_port rb "$LAB_IP_HB" 40002 "$LAB_IP_RA_WAN" 40001)" = 40002
  # Whichever SYN left first was dropped by the other router (no mapping yet); its retransmission
  # or the crossing SYN then completed the open.
  { lab_conntrack ra | sed 's/^/ra: /'; lab_conntrack rb | sed 's/^/rb: /';
    lab_drops ra | sed 's/^/ra nft: /'; lab_drops rb | sed 's/^/rb nft: /'; } | evidence "conntrack -L and drop counters on the routers"

  # Same punch with a listening socket on the punch port on both sides (what libp2p does).
  lab_spawn a2 ha "$PY" "$SIMOPEN" --listen --bind "$LAB_IP_HA:40011" --peer "$LAB_IP_RB_WAN:40012" --timeout 8 --hold 3
  lab_spawn b2 hb "$PY" "$SIMOPEN" --listen --bind "$LAB_IP_HB:40012" --peer "$LAB_IP_RA_WAN:40011" --timeout 8 --hold 3
  if wait_connected 10 a2 b2 && lab_has_established ha "$LAB_IP_HA:40011" "$LAB_IP_RB_WAN:40012" &&
     lab_has_established hb "$LAB_IP_HB:40012" "$LAB_IP_RA_WAN:40011"; then
    pass "(a) punch also works with a listener bound to the same port on both sides"
  else
    fail "(a) punch with listeners on the punch port"
  fi
  show_logs a2 b2
  lab_down
}

# ---------------------------------------------------------------------------------------------
scenario_b() {
  echo "=== (b) site A port-preserving, peer on the VPS (firewall: new TCP only to 22, 16111)"
  lab_up --nat-a preserving --dialer vps
  # Control 1: a plain inbound dial to a non-allowed VPS port is dropped silently (no RST).
  lab_spawn vps-l vps "$PY" "$SIMOPEN" --listen-only --bind "$LAB_IP_VPS:40030" --timeout 5 --hold 1
  lab_wait_port vps 40030 5
  lab_spawn a-in ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40005" --peer "$LAB_IP_VPS:40030" --timeout 4 --hold 1
  lab_wait_exit a-in 8
  local rc=$? drops; drops=$(lab_counter vps input unsolicited)
  if ((rc == 1)) && log_has a-in 'TIMEOUT .*last_error=none' && ((drops > 0)); then
    pass "(b) control: plain dial to VPS:40030 times out (SYNs dropped by the VPS firewall, $drops drops, no RST)"
  else
    fail "(b) control: plain dial to VPS:40030 should time out silently (rc=$rc drops=$drops)"
  fi
  lab_stop vps-l
  # Control 2: the allowed port 16111 accepts a plain inbound dial.
  lab_spawn vps-16111 vps "$PY" "$SIMOPEN" --listen-only --bind "$LAB_IP_VPS:16111" --timeout 5 --hold 1
  lab_wait_port vps 16111 5
  lab_spawn a-16111 ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40006" --peer "$LAB_IP_VPS:16111" --timeout 4 --hold 1
  lab_wait_exit a-16111 8
  check "(b) control: plain dial to the allowed port VPS:16111 connects" test $? -eq 0
  show_logs a-in a-16111

  # The punch, in both orders. 40020/40021 are not allowed ports on the VPS.
  punch_vps a-first 40001 40020
  punch_vps vps-first 40002 40021
  lab_down
}

# punch_vps ORDER A_PORT VPS_PORT: the VPS dials A's public address from VPS_PORT while A dials
# the VPS from A_PORT. ORDER a-first delays the VPS by 1.5 s (A's SYN reaches the VPS first and
# is dropped by its firewall), vps-first delays A (the VPS's SYN reaches router A first and is
# dropped there). Either way the VPS's own outbound SYN creates the conntrack entry that its
# firewall's "ct state established" rule matches A's packets against.
punch_vps() {
  local order=$1 ap=$2 vp=$3 da=0 dv=0
  [[ $order == a-first ]] && dv=1.5
  [[ $order == vps-first ]] && da=1.5
  local v0 r0; v0=$(lab_counter vps input unsolicited); r0=$(lab_counter ra input unsolicited)
  lab_spawn "vps-$order" vps "$PY" "$SIMOPEN" --delay "$dv" --bind "$LAB_IP_VPS:$vp" --peer "$LAB_IP_RA_WAN:$ap" --timeout 8 --hold 20
  lab_spawn "a-$order" ha "$PY" "$SIMOPEN" --delay "$da" --bind "$LAB_IP_HA:$ap" --peer "$LAB_IP_VPS:$vp" --timeout 8 --hold 20
  if wait_connected 12 "a-$order" "vps-$order"; then
    pass "(b/$order) punch A:$ap <-> VPS:$vp connected ($vp is not an allowed port)"
  else
    fail "(b/$order) punch A:$ap <-> VPS:$vp"
  fi
  show_logs "a-$order" "vps-$order"
  local v1 r1; v1=$(lab_counter vps input unsolicited); r1=$(lab_counter ra input unsolicited)
  check "(b/$order) kernel on the VPS: established $LAB_IP_VPS:$vp <-> $LAB_IP_RA_WAN:$ap (A's WAN:port)" \
    lab_has_established vps "$LAB_IP_VPS:$vp" "$LAB_IP_RA_WAN:$ap"
  check "(b/$order) kernel on host A: established $LAB_IP_HA:$ap <-> $LAB_IP_VPS:$vp" \
    lab_has_established ha "$LAB_IP_HA:$ap" "$LAB_IP_VPS:$vp"
  local vct; vct=$(lab_conntrack vps --orig-src "$LAB_IP_VPS" --orig-dst "$LAB_IP_RA_WAN" --sport "$vp" --dport "$ap")
  check "(b/$order) VPS conntrack entry originates at the VPS (its own SYN opened its firewall)" test -n "$vct"
  if [[ $order == a-first ]]; then
    check "(b/$order) A's early SYN was dropped by the VPS firewall (+$((v1 - v0)) drops)" test $((v1 - v0)) -gt 0
  else
    check "(b/$order) the VPS's early SYN was dropped by router A (+$((r1 - r0)) drops)" test $((r1 - r0)) -gt 0
  fi
  { lab_ss ha | grep -F "$LAB_IP_HA:$ap " | sed 's/^/ss ha: /'; lab_ss vps | grep -F "$LAB_IP_VPS:$vp " | sed 's/^/ss vps: /'
    echo "ct vps: $vct"
    lab_conntrack ra --orig-src "$LAB_IP_HA" --sport "$ap" | sed 's/^/ct ra: /'; } |
    evidence "(b/$order) sockets and conntrack"
}

# ---------------------------------------------------------------------------------------------
scenario_c() {
  echo "=== (c) site A behind a symmetric NAT (masquerade fully-random): the punch must fail"
  lab_up --nat-a symmetric --nat-b preserving --dialer siteb
  lab_spawn relay relay "$PY" "$SIMOPEN" --listen-only --bind "$LAB_IP_RELAY:4001" --timeout 10 --hold 30
  lab_wait_port relay 4001 5
  lab_spawn a-relay ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40001" --peer "$LAB_IP_RELAY:4001" --timeout 5 --hold 30
  wait_connected 8 relay a-relay
  local observed; observed=$(field relay CONNECTED peer)
  echo "  relay observed host A (bound to :40001) as $observed"
  # B aims at the observed address, as a DCUtR dialer would.
  lab_spawn a ha "$PY" "$SIMOPEN" --bind "$LAB_IP_HA:40001" --peer "$LAB_IP_RB_WAN:40002" --timeout 6 --hold 1
  lab_spawn b hb "$PY" "$SIMOPEN" --bind "$LAB_IP_HB:40002" --peer "$observed" --timeout 6 --hold 1
  lab_wait_exit a 10; local rca=$?
  lab_wait_exit b 10; local rcb=$?
  show_logs a b
  check "(c) host A's simultaneous open fails (rc=$rca, timeout)" test "$rca" -eq 1
  check "(c) host B's simultaneous open fails (rc=$rcb, timeout)" test "$rcb" -eq 1
  check "(c) no direct connection in host A" bash -c "! grep -q ' $LAB_IP_RB_WAN:40002\$' <<<\"\$1\"" _ "$(lab_ss ha)"
  check "(c) no direct connection in host B" bash -c "! grep -q '^$LAB_IP_HB:40002 ' <<<\"\$1\"" _ "$(lab_ss hb)"
  local to_relay to_b; to_relay=${observed##*:}
  to_b=$(lab_nat_port ra "$LAB_IP_HA" 40001 "$LAB_IP_RB_WAN" 40002)
  echo "  router A mapped 192.0.2.10:40001 -> $LAB_IP_RA_WAN:$to_relay towards the relay, -> $LAB_IP_RA_WAN:$to_b towards B"
  check "(c) symmetric NAT: port towards B ($to_b) differs from the port the relay saw ($to_relay) and from 40001" \
    test -n "$to_b" -a "$to_b" != "$to_relay" -a "$to_b" != 40001
  local dra drb; dra=$(lab_counter ra input unsolicited); drb=$(lab_counter rb input unsolicited)
  check "(c) both routers dropped the peer's unsolicited SYNs (ra=$dra rb=$drb)" test "$dra" -gt 0 -a "$drb" -gt 0
  { lab_conntrack ra | sed 's/^/ra: /'; lab_conntrack rb | sed 's/^/rb: /';
    lab_drops ra | sed 's/^/ra nft: /'; lab_drops rb | sed 's/^/rb nft: /'; } | evidence "conntrack and drop counters"
  lab_down
}

# ---------------------------------------------------------------------------------------------
# One mapping-loss run: client on host A to the relay's echo server, pause, FAULT, resume.
# $1 label, $2 fault function (run while the client is paused), $3 pause seconds, $4 expect ok|dead
mapping_case() {
  local label=$1 fault=$2 pause=$3 expect=$4 resume="$LAB_DIR/resume.$1"
  lab_spawn "cl-$label" ha "$PY" "$TCPECHO" client --connect "$LAB_IP_RELAY:4001" --resume-file "$resume" \
    --user-timeout-ms 3000 --resume-wait 8
  lab_wait_log "$(lab_logfile "cl-$label")" 'PAUSED' 8 || { fail "(d/$label) client did not reach PAUSED"; show_logs "cl-$label"; return; }
  local local_ep; local_ep=$(field "cl-$label" CONNECTED local)
  local port=${local_ep##*:}
  lab_conntrack ra --orig-src "$LAB_IP_HA" --sport "$port" | evidence "(d/$label) router A entry before the fault"
  "$fault" "$port"
  sleep "$pause"
  lab_conntrack ra --orig-src "$LAB_IP_HA" --sport "$port" | evidence "(d/$label) router A entry after the fault + ${pause}s idle (empty = mapping gone)"
  local inv0; inv0=$(( $(lab_counter ra forward invalid) + $(lab_counter ra input invalid) ))
  touch "$resume"
  lab_wait_exit "cl-$label" 15; local rc=$?
  local inv1; inv1=$(( $(lab_counter ra forward invalid) + $(lab_counter ra input invalid) ))
  show_logs "cl-$label"
  if [[ $expect == ok ]]; then
    check "(d/$label) flow survives the idle pause (control)" test "$rc" -eq 0
  else
    check "(d/$label) flow is dead after the fault: the client's data is never acknowledged (rc=$rc)" \
      bash -c "test $rc -eq 3 && grep -q 'DEAD reason=.Connection timed out' \"\$1\"" _ "$(lab_logfile "cl-$label")"
    check "(d/$label) router A dropped the flow's mid-stream packets as ct-invalid (+$((inv1 - inv0)))" test $((inv1 - inv0)) -gt 0
    check "(d/$label) the relay never got 'ping 2' from $LAB_IP_RA_WAN:$port" \
      bash -c "! grep -q \"peer=$LAB_IP_RA_WAN:$port line='ping 2'\" \"\$1\"" _ "$(lab_logfile echo)"
    # The relay's side still believes the connection is alive: the silent death of DESIGN.md §1.
    lab_ss relay | grep -F " $LAB_IP_RA_WAN:$port" | evidence "(d/$label) relay's socket for the dead flow (still ESTABLISHED there)"
  fi
}
fault_none() { :; }
fault_flush() { lab_flush_conntrack ra; }
fault_short_timeout() { :; }   # the timeout was shortened before the connection (see below)

scenario_d() {
  echo "=== (d) mapping loss on router A kills a long-lived TCP flow to the relay"
  lab_up --nat-a preserving
  lab_spawn echo relay "$PY" "$TCPECHO" serve --bind "$LAB_IP_RELAY:4001"
  lab_wait_port relay 4001 5
  mapping_case control fault_none 4 ok
  mapping_case flush fault_flush 1 dead
  # Short established timeout: set before connecting so the entry carries it from its first
  # packets; then idle for longer than the timeout.
  lab_set_tcp_established_timeout ra 2
  mapping_case timeout fault_short_timeout 4 dead
  lab_down
}

# ---------------------------------------------------------------------------------------------
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(a b c d)
for s in "${scenarios[@]}"; do
  case "$s" in
    a|b|c|d) "scenario_$s" ;;
    *) echo "unknown scenario '$s' (a|b|c|d)" >&2; exit 2 ;;
  esac
done
lab_down
left=$(lab_leftovers)
check "teardown: no namespace left with prefix $LAB_PREFIX" test -z "$left"
echo "=== natlab selftest: $PASSES passed, $FAILS failed"
((FAILS == 0))
