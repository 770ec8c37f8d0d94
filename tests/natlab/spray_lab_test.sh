#!/usr/bin/env bash
# NAT lab test of the DCUtR birthday spray (/lp2p/dcutr-spray/1.0.0, docs/dcutr-spray.md) with the real lp2p
# binaries: relay on the lab "internet", listener behind router A, dialer behind router B.
# Usage: spray_lab_test.sh BIN_DIR MODE [--runs N] [--min-direct N] [--k K] [--m M] [--rounds R]
#   spray  field scenario 1: listener behind a symmetric NAT (masquerade fully-random), dialer behind a
#          port-preserving NAT. N punches (default 20) on one lab topology and one relay, restarting only the
#          two peers (and flushing both routers' conntrack tables) between runs; each run counts as direct
#          only when the kernel shows it: the dialer's listening port connected to router A's public address
#          at port P, the listener's socket connected to the dialer's public address, and router A's
#          conntrack mapping that listener socket to exactly P. Fails below --min-direct (default 19).
#   both   both sites behind symmetric NATs: no spray can meet; the punch must fail cleanly, stay relayed, and
#          the diagnosis must say that both mappings are endpoint-dependent.
# Prints one "RUN i direct|relayed|failed punch_ms=.. rounds=.." line per run and a final
#   SUMMARY runs=N direct=D median_ms=.. p90_ms=.. k=K m=M
# (scripts/bench_spray.sh reads it). Exit: 0 pass, 1 fail, 77 skipped (no root/netns).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:?usage: spray_lab_test.sh BIN_DIR spray|both [options]}" && pwd)
mode=${2:?mode spray|both}
shift 2
runs=20 min_direct=19 k="" m="" rounds_flag=""
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --min-direct) min_direct=$2; shift 2 ;;
    --k) k=$2; shift 2 ;;
    --m) m=$2; shift 2 ;;
    --rounds) rounds_flag=$2; shift 2 ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
done
source "$here/lab.sh"
lab_require

source "$here/checks.sh"

relay_seed=0 listen_seed=1 dial_seed=2
relay_id=$("$bin/peer-id" --secret-key-seed $relay_seed)
listen_id=$("$bin/peer-id" --secret-key-seed $listen_seed)
relay_ma=/ip4/$LAB_IP_RELAY/tcp/4001/p2p/$relay_id
listen_port=40001 dial_port=16111
spray_flags=()
[[ -n $k ]] && spray_flags+=(--spray-k "$k")
[[ -n $m ]] && spray_flags+=(--spray-m "$m")
[[ -n $rounds_flag ]] && spray_flags+=(--spray-rounds "$rounds_flag")

case $mode in
  spray) lab_up --nat-a symmetric --nat-b preserving --dialer siteb ;;
  both) lab_up --nat-a symmetric --nat-b symmetric --dialer siteb; runs=1 ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac

export LP2P_LOG=${LP2P_LOG:-info}
lab_spawn relay relay "$bin/relay-server" --port 4001 --secret-key-seed $relay_seed
lab_wait_log "$(lab_logfile relay)" 'Listening on' 10 relay || { fail=$((fail + 1)); finish; }

direct=0
times=()
for ((i = 1; i <= runs; i++)); do
  if ((i > 1)); then
    # Each run starts from empty NAT tables, like a fresh pair of peers: no mapping of the last run helps.
    lab_flush_conntrack a 2>/dev/null
    lab_flush_conntrack b 2>/dev/null
    for f in listener dialer; do mv "$(lab_logfile $f)" "$(lab_logfile $f).$((i - 1))"; done
  fi
  lab_spawn listener "$LAB_LISTENER_NS" "$bin/dcutr" --mode listen --secret-key-seed $listen_seed \
    --relay-address "$relay_ma" --port $listen_port "${spray_flags[@]}"
  if ! lab_wait_log "$(lab_logfile listener)" 'Relay accepted our reservation request' 20 listener; then
    echo "RUN $i failed (no reservation)"
    lab_stop listener; continue
  fi
  lab_spawn dialer "$LAB_DIALER_NS" "$bin/dcutr" --mode dial --secret-key-seed $dial_seed \
    --relay-address "$relay_ma" --remote-peer-id "$listen_id" --port $dial_port --timeout 90 "${spray_flags[@]}"
  dial_log=$(lab_logfile dialer)
  if [[ $mode == spray ]]; then
    # A failed spray is followed by the standard punch (~30 s, bound to fail here): the run is over as soon
    # as B ended the spray.
    lab_wait_log "$dial_log" '^RESULT|ended the spray' 100 dialer
    grep -q 'ended the spray' "$dial_log" && ! grep -q '^RESULT' "$dial_log" && sleep 0.5
  else
    lab_wait_log "$dial_log" '^RESULT' 100 dialer
  fi
  # Kernel evidence while both processes still run.
  listener_sockets=$(lab_ss "$LAB_LISTENER_NS")
  dialer_sockets=$(lab_ss "$LAB_DIALER_NS")
  kind=$(awk '/^RESULT/ {print $2; exit}' "$dial_log")
  punch_ms=$(sed -n 's/^RESULT .* punch_ms=\([0-9-]*\).*/\1/p' "$dial_log" | head -n 1)
  proven=0
  rounds=$(grep -Ec 'spray: round [0-9]+ with .* (succeeded|failed) after' "$dial_log")
  if [[ $mode == spray ]]; then
    # The dialer (E) keeps its listening port; the listener (S) connected from some ephemeral port L that
    # router A mapped to public port P; the dialer must be connected to exactly that P.
    pub_port=$(awk -v me="$LAB_DIALER_IP:$dial_port" -v ra="$LAB_IP_RA_WAN" \
      '$1 == me && index($2, ra ":") == 1 { split($2, a, ":"); print a[2]; exit }' <<<"$dialer_sockets")
    lport=$(awk -v peer="$LAB_DIALER_PUBLIC_IP:$dial_port" -v me="$LAB_LISTENER_IP" \
      '$2 == peer && index($1, me ":") == 1 { split($1, a, ":"); print a[2]; exit }' <<<"$listener_sockets")
    nat=""
    [[ -n $lport ]] && nat=$(lab_nat_port a "$LAB_LISTENER_IP" "$lport" "$LAB_DIALER_PUBLIC_IP" "$dial_port")
    if [[ $kind == direct && -n $pub_port && -n $lport && $nat == "$pub_port" ]]; then
      proven=1
      direct=$((direct + 1))
      [[ $punch_ms =~ ^[0-9]+$ ]] && times+=("$punch_ms")
    fi
    echo "RUN $i ${kind:-none} punch_ms=${punch_ms:--} rounds=$rounds kernel: dialer $LAB_DIALER_IP:$dial_port <-> $LAB_IP_RA_WAN:${pub_port:-?}," \
      "listener $LAB_LISTENER_IP:${lport:-?} <-> $LAB_DIALER_PUBLIC_IP:$dial_port, router A maps ${lport:-?} -> ${nat:-?}" \
      "$( ((proven)) && echo "(direct proven)" || echo "(NOT proven)")"
    grep -E 'spray: round [0-9]+ .*(succeeded|failed) after' "$dial_log" | sed 's/^/    dialer: /' | cut -c1-220
    if ((!proven)); then
      echo "  dialer sockets:"; sed 's/^/    /' <<<"$dialer_sockets"
      echo "  listener sockets:"; sed 's/^/    /' <<<"$listener_sockets"
      grep -E 'spray|Hole punch|RESULT' "$dial_log" | tail -n 8 | sed 's/^/    dialer: /'
      grep -E 'spray|Hole punch' "$(lab_logfile listener)" | tail -n 8 | sed 's/^/    listener: /'
    fi
  fi
  lab_stop dialer
  if [[ $mode == both ]]; then
    # The listener (B) reports the failure after the standard punch too; give it the time.
    lab_wait_log "$(lab_logfile listener)" 'Hole punch failed' 60 listener
  fi
  lab_stop listener
done

if [[ $mode == spray ]]; then
  median=- p90=-
  if ((${#times[@]} > 0)); then
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    n=${#sorted[@]}
    median=${sorted[$(((n - 1) / 2))]}
    p90=${sorted[$(((n * 9 + 9) / 10 - 1))]}
  fi
  echo "SUMMARY runs=$runs direct=$direct median_ms=$median p90_ms=$p90 k=${k:-default} m=${m:-default}"
  check "at least $min_direct of $runs punches ended direct, proven from the kernel ($direct)" test "$direct" -ge "$min_direct"
else
  dial_log=$(lab_logfile dialer)
  listen_log=$(lab_logfile listener)
  grep -E 'RESULT|Hole punch' "$dial_log" | sed 's/^/  dialer: /'
  grep -E 'Hole punch|no spray' "$listen_log" | cut -c1-400 | sed 's/^/  listener: /'
  check "dialer ends relayed, not failed" grep -Eq '^RESULT relayed .* rtt_relayed_us=[0-9]+' "$dial_log"
  check "both sides classified their mapping as not port-preserving" \
    bash -c "grep -q 'NAT mapping: port not preserved\|NAT mapping: endpoint-dependent' '$dial_log' && \
             grep -q 'NAT mapping: port not preserved\|NAT mapping: endpoint-dependent' '$listen_log'"
  check "no spray was attempted (no socket was opened)" bash -c "! grep -q 'opening [0-9]* sockets' '$dial_log' '$listen_log'"
  check "diagnosis says both mappings are endpoint-dependent" \
    grep -Eq 'Hole punch failed.*both mappings are endpoint-dependent' "$listen_log"
  check "kernel: no direct TCP connection between the hosts" \
    bash -c "! grep -q '$LAB_IP_RA_WAN:' <<<'$dialer_sockets' && ! grep -q '$LAB_IP_RB_WAN:' <<<'$listener_sockets'"
fi
finish
