# shellcheck shell=bash
# shellcheck disable=SC2034  # LAB_* variables are set here for the test scripts that source this file
# NAT lab library (DESIGN.md §3, ring 3): network namespaces joined by a bridge that plays the
# internet, real Linux NAT (nftables masquerade) on two site routers, a relay host and a firewalled
# VPS. Source it from a test script:
#
#   source "$(dirname "$0")/lab.sh"
#   lab_require python3                 # exits 77 (skipped) when the machine cannot run the lab
#   lab_up --nat-a preserving --nat-b symmetric --dialer siteb
#   lab_spawn relay relay ./relay-server --port 4001
#   lab_wait_log "$(lab_logfile relay)" 'listening' 10
#   ...
#   lab_down                             # also run automatically on EXIT/INT/TERM/HUP
#
# Safety rules this file enforces by construction: every address is from the documentation ranges
# 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; every interface is created directly inside a lab
# namespace (never in the root namespace); no namespace has a route out of the lab; every sysctl
# and nft rule is written inside a lab namespace; teardown runs on every exit path.
# See tests/natlab/README.md for the topology drawing and the kernel facts behind the choices.

# ---------------------------------------------------------------------------------------------
# Layout (fixed; tests read these variables rather than hard-coding addresses)
LAB_IP_RA_WAN=203.0.113.1      # site A router, public side
LAB_IP_RB_WAN=203.0.113.2      # site B router, public side
LAB_IP_RELAY=203.0.113.10      # relay host (no firewall)
LAB_IP_VPS=203.0.113.20        # VPS (input firewall: new TCP only to 22, 16111 + extras)
LAB_IP_RA_LAN=192.0.2.1        # site A: 192.0.2.0/25
LAB_IP_HA=192.0.2.10
LAB_IP_RB_LAN=198.51.100.1     # site B: 198.51.100.0/25
LAB_IP_HB=198.51.100.10
LAB_ROLES=(inet relay vps ra ha rb hb)

LAB_PREFIX=${LAB_PREFIX:-lp2p-$$}
LAB_PYTHON=${LAB_PYTHON:-python3}
LAB_DIR=${LAB_DIR:-}
LAB_IS_UP=0
LAB_TRAPS_SET=0
declare -gA LAB_PIDS=()        # name -> pid of processes started with lab_spawn
declare -ga LAB_DOWN_HOOKS=()  # functions run at the start of lab_down

# ---------------------------------------------------------------------------------------------
# Logging: one timestamped line per event on stderr, so a test's stdout stays for PASS/FAIL lines.
lab_log() { printf '[%s] natlab: %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }
lab_die() { lab_log "ERROR: $*"; exit 1; }

lab_skip() {
  {
    echo "################################################################################"
    echo "## NAT LAB SKIPPED: $*"
    echo "## (needs root, iproute2 'ip netns', nftables 'nft', conntrack-tools 'conntrack',"
    echo "##  a kernel with netns + veth + bridge + nf_conntrack + nf_nat/masquerade)"
    echo "################################################################################"
  } >&2
  exit 77
}

# lab_require [EXTRA_COMMAND...]: exit 77 (ctest "skipped") unless the lab can run here.
lab_require() {
  local c probe="${LAB_PREFIX}-probe"
  [[ ${EUID:-$(id -u)} -eq 0 ]] || lab_skip "not root (uid ${EUID:-?})"
  for c in ip nft conntrack ss sysctl "$@"; do
    command -v "$c" >/dev/null 2>&1 || lab_skip "command '$c' not found"
  done
  ip netns add "$probe" 2>/dev/null || lab_skip "cannot create a network namespace (ip netns add)"
  local ok=1 why=""
  if ! ip -n "$probe" link add br0 type bridge 2>/dev/null; then ok=0; why="no bridge support"; fi
  if ((ok)) && ! ip -n "$probe" link add v0 type veth peer name v1 2>/dev/null; then ok=0; why="no veth support"; fi
  if ((ok)) && ! ip netns exec "$probe" nft add table inet natlab_probe 2>/dev/null; then ok=0; why="nft does not work in a namespace"; fi
  if ((ok)) && ! ip netns exec "$probe" nft add chain inet natlab_probe p '{ type nat hook postrouting priority srcnat; }' 2>/dev/null; then ok=0; why="no NAT (nft nat chain)"; fi
  if ((ok)) && ! ip netns exec "$probe" nft add rule inet natlab_probe p masquerade fully-random 2>/dev/null; then ok=0; why="no nft masquerade fully-random"; fi
  if ((ok)) && ! ip netns exec "$probe" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 2>/dev/null; then
    ok=0; why="nf_conntrack_tcp_loose not settable inside a namespace (nf_conntrack missing or not per-netns)"
  fi
  if ((ok)) && ! ip netns exec "$probe" conntrack -L >/dev/null 2>&1; then ok=0; why="conntrack -L fails inside a namespace"; fi
  ip netns del "$probe" 2>/dev/null
  ((ok)) || lab_skip "$why"
  return 0
}

# ---------------------------------------------------------------------------------------------
# Names. A role (inet relay vps ra ha rb hb) maps to "<prefix>-<role>"; anything else is taken as a
# full namespace name. Site aliases: a -> ra, b -> rb (for the fault helpers).
lab_ns() {
  case "$1" in
    inet|relay|vps|ra|ha|rb|hb) printf '%s-%s\n' "$LAB_PREFIX" "$1" ;;
    a) printf '%s-ra\n' "$LAB_PREFIX" ;;
    b) printf '%s-rb\n' "$LAB_PREFIX" ;;
    *) printf '%s\n' "$1" ;;
  esac
}

# lab_exec NS CMD...: run CMD inside the namespace (role or full name).
lab_exec() { local ns; ns=$(lab_ns "$1"); shift; ip netns exec "$ns" "$@"; }

_lab_nft() { local ns=$1; shift; printf '%s\n' "$@" | ip netns exec "$ns" nft -f - ; }

_lab_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null || lab_die "sysctl $2 failed in $1"; }

_lab_add_ns() {
  local ns=$1
  ip netns add "$ns" || lab_die "ip netns add $ns failed"
  ip -n "$ns" link set lo up
  # IPv4 only: no IPv6 autoconf chatter in the lab (per-namespace sysctl).
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
# lab_up [options]
#   --nat-a preserving|symmetric   NAT kind of site A's router (default preserving)
#   --nat-b preserving|symmetric   NAT kind of site B's router (default preserving)
#   --dialer siteb|vps             where the dialer sits (default siteb): sets LAB_DIALER_NS,
#                                  LAB_DIALER_IP (its own address), LAB_DIALER_PUBLIC_IP; the
#                                  listener is always host A (LAB_LISTENER_*)
#   --vps-allow PORT               also admit new inbound TCP to PORT on the VPS (repeatable)
#   --est-timeout-a SECS           router A's established-TCP conntrack timeout (fault at start)
#   --est-timeout-b SECS           same for router B
# The whole topology is always built; the options only change NAT kinds, faults and roles.
lab_up() {
  local nat_a=preserving nat_b=preserving dialer=siteb est_a="" est_b="" p
  local -a vps_allow=(22 16111)
  while (($#)); do
    case "$1" in
      --nat-a) nat_a=$2; shift 2 ;;
      --nat-b) nat_b=$2; shift 2 ;;
      --dialer) dialer=$2; shift 2 ;;
      --vps-allow) vps_allow+=("$2"); shift 2 ;;
      --est-timeout-a) est_a=$2; shift 2 ;;
      --est-timeout-b) est_b=$2; shift 2 ;;
      *) lab_die "lab_up: unknown option '$1'" ;;
    esac
  done
  for p in "$nat_a" "$nat_b"; do
    [[ $p == preserving || $p == symmetric ]] || lab_die "lab_up: NAT kind must be preserving|symmetric, got '$p'"
  done
  [[ $dialer == siteb || $dialer == vps ]] || lab_die "lab_up: --dialer must be siteb|vps"
  for p in "${vps_allow[@]}"; do [[ $p =~ ^[0-9]+$ ]] || lab_die "lab_up: bad port '$p'"; done

  ((LAB_TRAPS_SET)) || lab_install_traps
  lab_down_quiet                        # leftovers of this prefix from an earlier lab_up
  LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/natlab.${LAB_PREFIX}.XXXXXX") || lab_die "mktemp failed"
  LAB_IS_UP=1
  LAB_NAT_A=$nat_a LAB_NAT_B=$nat_b
  lab_log "lab_up prefix=$LAB_PREFIX nat-a=$nat_a nat-b=$nat_b dialer=$dialer vps-allow=${vps_allow[*]} logs=$LAB_DIR"

  local inet relay vps ra ha rb hb
  inet=$(lab_ns inet) relay=$(lab_ns relay) vps=$(lab_ns vps)
  ra=$(lab_ns ra) ha=$(lab_ns ha) rb=$(lab_ns rb) hb=$(lab_ns hb)
  for p in "$inet" "$relay" "$vps" "$ra" "$ha" "$rb" "$hb"; do _lab_add_ns "$p"; done

  # The "internet": a bridge inside its own namespace; it has no address and no routes at all.
  ip -n "$inet" link add br0 type bridge
  ip netns exec "$inet" sysctl -qw net.bridge.bridge-nf-call-iptables=0 >/dev/null 2>&1 || true
  ip -n "$inet" link set br0 up
  # Every veth pair is created inside inet (or a router) with its peer placed straight into the
  # target namespace: nothing ever appears in the root namespace.
  _lab_wan_link() {  # $1 = port name on the bridge, $2 = namespace, $3 = ifname there, $4 = addr/len
    ip -n "$inet" link add "$1" type veth peer name "$3" netns "$2" || lab_die "veth $1 failed"
    ip -n "$inet" link set "$1" master br0 up
    ip -n "$2" addr add "$4" dev "$3"
    ip -n "$2" link set "$3" up
  }
  _lab_wan_link p-relay "$relay" eth0 "$LAB_IP_RELAY/24"
  _lab_wan_link p-vps "$vps" eth0 "$LAB_IP_VPS/24"
  _lab_wan_link p-ra "$ra" wan "$LAB_IP_RA_WAN/24"
  _lab_wan_link p-rb "$rb" wan "$LAB_IP_RB_WAN/24"
  unset -f _lab_wan_link
  # relay and vps: only the connected 203.0.113.0/24 route, no default route (nothing else exists).

  # Sites: router LAN side <-> host.
  _lab_site() {  # $1 router ns, $2 host ns, $3 router LAN ip, $4 host ip, $5 nat kind, $6 est timeout
    ip -n "$1" link add lan type veth peer name eth0 netns "$2" || lab_die "veth lan failed"
    ip -n "$1" addr add "$3/25" dev lan
    ip -n "$1" link set lan up
    ip -n "$2" addr add "$4/25" dev eth0
    ip -n "$2" link set eth0 up
    ip -n "$2" route add default via "$3"          # host -> its router (a lab address)
    # Router: no default route; only 203.0.113.0/24 (connected) and its LAN exist.
    _lab_sysctl "$1" net.ipv4.ip_forward=1
    _lab_sysctl "$1" net.netfilter.nf_conntrack_tcp_loose=0   # mid-stream packets never re-create a mapping
    [[ -n $6 ]] && _lab_sysctl "$1" "net.netfilter.nf_conntrack_tcp_timeout_established=$6"
    local masq="masquerade"
    [[ $5 == symmetric ]] && masq="masquerade fully-random"
    _lab_nft "$1" \
      "table inet natlab {" \
      "  chain forward {" \
      "    type filter hook forward priority filter; policy drop;" \
      "    ct state invalid counter drop comment \"invalid\"" \
      "    ct state established,related accept" \
      "    iifname \"lan\" oifname \"wan\" accept" \
      "    counter drop comment \"unsolicited\"" \
      "  }" \
      "  chain input {" \
      "    type filter hook input priority filter; policy drop;" \
      "    iifname \"lo\" accept" \
      "    ct state invalid counter drop comment \"invalid\"" \
      "    ct state established,related accept" \
      "    iifname \"lan\" accept" \
      "    counter drop comment \"unsolicited\"" \
      "  }" \
      "  chain postrouting {" \
      "    type nat hook postrouting priority srcnat; policy accept;" \
      "    oifname \"wan\" $masq" \
      "  }" \
      "}" || lab_die "nft ruleset for $1 failed"
  }
  _lab_site "$ra" "$ha" "$LAB_IP_RA_LAN" "$LAB_IP_HA" "$nat_a" "$est_a"
  _lab_site "$rb" "$hb" "$LAB_IP_RB_LAN" "$LAB_IP_HB" "$nat_b" "$est_b"
  unset -f _lab_site

  # VPS: public address, input firewall like a cloud VPS (ufw-style): established/related, and new
  # TCP only to the allowed ports; everything else is dropped silently (no RST, no ICMP).
  local ports; ports=$(IFS=,; echo "${vps_allow[*]}")
  _lab_nft "$vps" \
    "table inet natlab {" \
    "  chain input {" \
    "    type filter hook input priority filter; policy drop;" \
    "    iifname \"lo\" accept" \
    "    ct state established,related accept" \
    "    ct state invalid counter drop comment \"invalid\"" \
    "    tcp dport { $ports } ct state new accept" \
    "    counter drop comment \"unsolicited\"" \
    "  }" \
    "}" || lab_die "nft ruleset for vps failed"
  LAB_VPS_ALLOWED=$ports

  LAB_LISTENER_NS=ha LAB_LISTENER_IP=$LAB_IP_HA LAB_LISTENER_PUBLIC_IP=$LAB_IP_RA_WAN
  if [[ $dialer == vps ]]; then
    LAB_DIALER_NS=vps LAB_DIALER_IP=$LAB_IP_VPS LAB_DIALER_PUBLIC_IP=$LAB_IP_VPS
  else
    LAB_DIALER_NS=hb LAB_DIALER_IP=$LAB_IP_HB LAB_DIALER_PUBLIC_IP=$LAB_IP_RB_WAN
  fi
  lab_log "lab is up: relay $LAB_IP_RELAY, vps $LAB_IP_VPS, A $LAB_IP_HA -> $LAB_IP_RA_WAN ($nat_a), B $LAB_IP_HB -> $LAB_IP_RB_WAN ($nat_b)"
}

# ---------------------------------------------------------------------------------------------
# Teardown. Idempotent; safe to call from a trap at any point of lab_up.
lab_on_down() { LAB_DOWN_HOOKS+=("$1"); }

lab_down() {
  local h name pid ns
  for h in "${LAB_DOWN_HOOKS[@]}"; do "$h" || true; done
  for name in "${!LAB_PIDS[@]}"; do lab_stop "$name" >/dev/null 2>&1 || true; done
  LAB_PIDS=()
  _lab_del_prefix
  if [[ -n $LAB_DIR && -d $LAB_DIR && ${LAB_KEEP_LOGS:-0} != 1 ]]; then rm -rf -- "$LAB_DIR"; fi
  ((LAB_IS_UP)) && lab_log "lab_down prefix=$LAB_PREFIX done"
  LAB_IS_UP=0
  return 0
}
lab_down_quiet() { _lab_del_prefix; }

# Deletes every namespace named "<prefix>-*", first killing any process still inside it (only
# processes in our own lab namespaces, by pid: a netns lives on while a process is in it).
_lab_del_prefix() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns == "$LAB_PREFIX"-* ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

# Names of leftover namespaces with this prefix (empty when clean): for tests that check teardown.
lab_leftovers() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${LAB_PREFIX//./\\.}-" || true; }

lab_install_traps() {
  LAB_TRAPS_SET=1
  trap 'lab_down' EXIT
  trap 'lab_log "caught SIGINT, tearing down"; lab_down; trap - EXIT; exit 130' INT
  trap 'lab_log "caught SIGTERM, tearing down"; lab_down; trap - EXIT; exit 143' TERM
  trap 'lab_log "caught SIGHUP, tearing down"; lab_down; trap - EXIT; exit 129' HUP
}

# ---------------------------------------------------------------------------------------------
# Background processes in namespaces (for relay-server / dcutr / probes).
# lab_spawn NAME NS CMD...: start CMD in NS in the background, stdout+stderr to $(lab_logfile NAME).
lab_logfile() { printf '%s/%s.log\n' "$LAB_DIR" "$1"; }
lab_spawn() {
  local name=$1 ns; ns=$(lab_ns "$2"); shift 2
  [[ -n ${LAB_PIDS[$name]:-} ]] && lab_die "lab_spawn: '$name' already running"
  ip netns exec "$ns" "$@" </dev/null >"$(lab_logfile "$name")" 2>&1 &
  LAB_PIDS[$name]=$!
  lab_log "spawned $name (pid $!) in $ns: $*"
}
lab_pid() { printf '%s\n' "${LAB_PIDS[$1]:-}"; }
lab_running() { local p=${LAB_PIDS[$1]:-}; [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }

# lab_wait_exit NAME TIMEOUT: wait for a spawned process to end; returns its exit status, or 124
# on timeout (the process keeps running). Short sleeps keep signals (Ctrl-C, TERM) responsive.
lab_wait_exit() {
  local name=$1 timeout=${2:-10} pid=${LAB_PIDS[$1]:-} t0 rc
  [[ -n $pid ]] || { lab_log "lab_wait_exit: no process '$name'"; return 127; }
  t0=$(date +%s%N)
  while kill -0 "$pid" 2>/dev/null; do
    (( ($(date +%s%N) - t0) / 1000000 >= timeout * 1000 )) && return 124
    sleep 0.1
  done
  wait "$pid"; rc=$?
  unset "LAB_PIDS[$name]"
  return $rc
}

# lab_stop NAME: SIGTERM, then SIGKILL after 2 s. Returns the process's exit status.
lab_stop() {
  local name=$1 pid=${LAB_PIDS[$1]:-} i rc
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null; rc=$?
  unset "LAB_PIDS[$name]"
  return $rc
}

# lab_wait_log FILE REGEX [TIMEOUT_SECS [NAME]]: wait until an extended regex matches a line of
# FILE. With NAME (a lab_spawn name), give up as soon as that process has exited without the line.
lab_wait_log() {
  local file=$1 re=$2 timeout=${3:-10} name=${4:-} t0
  t0=$(date +%s%N)
  until grep -Eq -- "$re" "$file" 2>/dev/null; do
    if [[ -n $name ]] && ! lab_running "$name"; then
      grep -Eq -- "$re" "$file" 2>/dev/null && return 0
      lab_log "process '$name' exited before /$re/ appeared in $file; last lines:"
      tail -n 5 "$file" 2>/dev/null | sed 's/^/    /' >&2
      return 1
    fi
    if (( ($(date +%s%N) - t0) / 1000000 >= timeout * 1000 )); then
      lab_log "timeout (${timeout}s) waiting for /$re/ in $file; last lines:"
      tail -n 5 "$file" 2>/dev/null | sed 's/^/    /' >&2
      return 1
    fi
    sleep 0.1
  done
}

# lab_wait_port NS PORT [TIMEOUT_SECS]: wait until a TCP socket listens on PORT inside NS.
lab_wait_port() {
  local ns=$1 port=$2 timeout=${3:-10} t0
  t0=$(date +%s%N)
  until [[ -n $(lab_exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null) ]]; do
    if (( ($(date +%s%N) - t0) / 1000000 >= timeout * 1000 )); then
      lab_log "timeout (${timeout}s) waiting for a listener on port $port in $(lab_ns "$ns")"
      return 1
    fi
    sleep 0.1
  done
}

lab_dump_logs() {
  local f
  for f in "$LAB_DIR"/*.log; do
    [[ -e $f ]] || continue
    echo "----- $(basename "$f") -----"
    cat "$f"
  done
}

# ---------------------------------------------------------------------------------------------
# Evidence from the kernel.
# lab_ss NS: established TCP sockets in NS, one "LOCAL PEER" pair per line.
lab_ss() { lab_exec "$1" ss -Htn state established | awk '{print $3, $4}'; }

# lab_has_established NS LOCAL PEER: true if NS has an established TCP socket LOCAL <-> PEER
# (both ip:port). A direct connection between two NATed hosts shows up in each host as its own LAN
# address <-> the peer's public (NAT) address; a relayed one shows the relay's address instead.
lab_has_established() { lab_ss "$1" | grep -qxF -- "$2 $3"; }

# lab_conntrack NS [conntrack filter args...]: the TCP conntrack table inside NS.
lab_conntrack() { local ns=$1; shift; lab_exec "$ns" conntrack -L -p tcp "$@" 2>/dev/null; }

# lab_nat_port ROUTER LAN_IP LAN_PORT [DST_IP DST_PORT]: the public source port the router's NAT
# chose for that flow (reply tuple's dport), empty if no mapping exists.
lab_nat_port() {
  local r=$1 ip=$2 port=$3 dst=${4:-} dport=${5:-}
  local -a f=(--orig-src "$ip" --sport "$port")
  [[ -n $dst ]] && f+=(--orig-dst "$dst")
  [[ -n $dport ]] && f+=(--dport "$dport")
  lab_conntrack "$(lab_ns "$r")" "${f[@]}" | awk '{n=0; for (i=1;i<=NF;i++) if ($i ~ /^dport=/) { n++; if (n==2) { sub("dport=","",$i); print $i; exit } } }'
}

# lab_counter NS CHAIN COMMENT: packets counted by the drop rule tagged COMMENT ("invalid" or
# "unsolicited") in CHAIN (routers: forward, input; vps: input) of the lab's nft table.
lab_counter() {
  lab_exec "$1" nft list chain inet natlab "$2" 2>/dev/null |
    awk -v c="comment \"$3\"" 'index($0, c) { for (i=1;i<=NF;i++) if ($i=="packets") { print $(i+1); exit } }'
}
# lab_drops NS: all drop counters of NS, one "chain/comment=N" per line, for evidence.
lab_drops() {
  lab_exec "$1" nft list table inet natlab 2>/dev/null | awk '
    $1=="chain" { ch=$2 }
    /counter packets/ { for (i=1;i<=NF;i++) { if ($i=="packets") n=$(i+1); if ($i=="comment") c=$(i+1) }
                        gsub(/"/,"",c); printf "%s/%s=%s\n", ch, c, n }'
}

# ---------------------------------------------------------------------------------------------
# Faults (ROUTER = a | b | ra | rb | full namespace name).
# Flush the router's whole conntrack table: every NAT mapping is forgotten at once. With
# nf_conntrack_tcp_loose=0 the next mid-stream packet of an old flow is ct-invalid and dropped in
# both directions, so the flow is dead although both endpoints still think it is established.
lab_flush_conntrack() {
  local ns; ns=$(lab_ns "$1")
  lab_log "fault: conntrack -F in $ns"
  ip netns exec "$ns" conntrack -F >/dev/null 2>&1 || lab_die "conntrack -F failed in $ns"
}
# Shorten the established-TCP timeout: lab_set_tcp_established_timeout ROUTER SECS.
# The kernel reads the sysctl when it refreshes an entry (on each packet): an existing idle flow
# keeps its old deadline until its next packet, then expires SECS after its last packet (verified,
# see README; `conntrack -U --timeout` cannot shorten NATed entries here: EOPNOTSUPP). Set it
# before the flow starts (or lab_up --est-timeout-a) for a flow that stays idle from the start.
lab_set_tcp_established_timeout() {
  local ns; ns=$(lab_ns "$1")
  lab_log "fault: nf_conntrack_tcp_timeout_established=$2 in $ns"
  _lab_sysctl "$ns" "net.netfilter.nf_conntrack_tcp_timeout_established=$2"
}
# The names used in the design brief.
flush_conntrack() { lab_flush_conntrack "$@"; }
set_tcp_established_timeout() { lab_set_tcp_established_timeout "$@"; }

# Run as a script: `bash lab.sh sweep` removes namespaces "lp2p-<pid>-*" whose pid is gone
# (labs orphaned by a SIGKILLed test); `bash lab.sh list` shows lab namespaces.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case "${1:-}" in
    list) ip netns list | awk '{print $1}' | grep -E '^lp2p-[0-9]+-' || true ;;
    sweep)
      for ns in $(ip netns list | awk '{print $1}' | grep -E '^lp2p-[0-9]+-'); do
        pid=${ns#lp2p-}; pid=${pid%%-*}
        if ! kill -0 "$pid" 2>/dev/null; then
          for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
          ip netns del "$ns" && echo "removed $ns"
        fi
      done
      for d in "${TMPDIR:-/tmp}"/natlab.lp2p-*; do
        [[ -d $d ]] || continue
        pid=${d##*/natlab.lp2p-}; pid=${pid%%[.-]*}
        [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null && rm -rf -- "$d" && echo "removed $d"
      done ;;
    *) echo "usage: source lab.sh from a test, or: bash lab.sh list|sweep" >&2; exit 2 ;;
  esac
fi
