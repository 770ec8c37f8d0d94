#!/usr/bin/env bash
# Issue #4's relay benchmark in one command: builds lp2p-relay-bench (Release, in build-bench/,
# LP2P_BUILD_BENCHMARKS=ON), runs it on 127.0.0.1 and prints markdown tables: reservations one relay
# holds (with the relay's memory per reservation), circuits opened per second, and throughput through one
# circuit next to a direct connection. The relay runs with every relay limit off, in its own process.
# docs/benchmarks.md says how each number is measured. About 1-3 minutes depending on the machine's load.
#
# Usage: scripts/bench_relay.sh [--quick]
#   --quick                 1,000 reservations, 2 s of circuits, 32 MiB (a smoke test, not numbers to quote)
#   RELAY_BENCH_RESERVATIONS=N (default 10000), RELAY_BENCH_BYTES=B (default 256 MiB)
#   BENCH_OUT=DIR           keep the raw JSON lines in DIR (default: a temp dir, deleted)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
if [[ ${1:-} == --quick ]]; then
  reservations=1000 circuit_s=2 bytes=$((32 << 20)) repeat=2
else
  reservations=${RELAY_BENCH_RESERVATIONS:-10000} circuit_s=5 bytes=${RELAY_BENCH_BYTES:-$((256 << 20))} repeat=3
fi

# ---- build ----------------------------------------------------------------------------------------------
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
fi
if [[ ! -f $build/build.ninja ]]; then
  cmake -S "$root" -B "$build" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release -DLP2P_BUILD_BENCHMARKS=ON \
    -DLP2P_BUILD_TESTS=OFF -DLP2P_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target lp2p-relay-bench >&2

out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/lp2p-relay-bench.XXXXXX")}
mkdir -p "$out"
[[ -n ${BENCH_OUT:-} ]] || trap 'rm -rf "$out"' EXIT

# 10,000 connections need 10,000 descriptors in the client and in the relay process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); descriptors: $(ulimit -n); ephemeral ports: $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)" >&2
"$build/bench/lp2p-relay-bench" --reservations "$reservations" --circuit-seconds "$circuit_s" \
  --circuit-concurrency 1,8 --bytes "$bytes" --repeat "$repeat" >"$out/relay.jsonl"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---- the tables ---------------------------------------------------------------------------------------------
python3 - "$out/relay.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
def get(bench):
    return [r for r in rows if r.get('bench') == bench]
start = next(r for r in rows if r.get('event') == 'start')
end = next((r for r in rows if r.get('event') == 'end'), {'load': '?'})
def f(x, d=0):
    return f'{x:,.{d}f}'
print(f'Load average (1, 5, 15 min): {start["load"]} at the start, {end["load"]} at the end.\n')

for r in get('reservations'):
    print('#### Reservations held by one relay (one process, every relay limit off)\n')
    print('| measurement | value |')
    print('|---|---:|')
    fails = f' ({r["failed"]} failed: {r.get("first_error", "")})' if r['failed'] else ''
    print(f'| clients (distinct identities, loopback), {r["concurrency"]} reserving at a time | {f(r["clients"])}{fails} |')
    print(f'| reservations the relay holds | **{f(r["held"])}** (on {f(r["connections"])} connections) |')
    print(f'| time to make them | {r["seconds"]:.1f} s |')
    print(f'| reservations/s | {f(r["per_s"])} |')
    print(f'| relay RSS before | {f(r["rss_before_kib"] / 1024, 1)} MiB |')
    print(f'| relay RSS holding them | {f(r["rss_held_kib"] / 1024, 1)} MiB |')
    print(f'| **relay memory per reservation** (ΔRSS / reservations; includes the TCP connection, Noise and yamux state) | **{f(r["bytes_per_reservation"])} B** ({r["bytes_per_reservation"] / 1024:.1f} KiB) |')
    print(f'| relay RSS after the clients left | {f(r["rss_after_kib"] / 1024, 1)} MiB ({r["left_after"]} reservations left) |')
    print(f'| CPU per reservation: relay / clients | {f(r["relay_cpu_us_per_reservation"])} µs / {f(r["client_cpu_us_per_reservation"])} µs |')
    ping = 'relay pings every connection every 15 s' if r['relay_ping'] else 'relay ping off'
    print(f'| relay CPU while only holding them ({ping}) | {r["relay_idle_cpu_share"]:.1%} of a core |')
    print(f'| client process memory per client Host (for the record) | {f(r["client_bytes_per_host"] / 1024, 1)} KiB |')
    print(f'\nLoad at the end of this part: {r["load"]}.\n')

c = get('circuits')
if c:
    print('#### Circuits opened per second (relay limits off)\n')
    print('| dialers at once | circuits | failed | circuits/s | dial → byte echoed, median / p90 ms | relay circuits left |')
    print('|---:|---:|---:|---:|---:|---:|')
    for r in c:
        print(f'| {r["concurrency"]} | {f(r["circuits"])} | {r["failed"]} | **{f(r["per_s"], 1)}** | {r["open_to_echo"]["median_ms"]:.2f} / {r["open_to_echo"]["p90_ms"]:.2f} | {r["relay_circuits_left"]} |')
    print(f'\nLoad: {", ".join(r["load"] for r in c)}.\n')

for r in get('throughput'):
    print(f'#### Throughput, one stream, one direction ({r["bytes"] >> 20} MiB, median of {r["repeat"]}, same two Hosts, same run)\n')
    print('| path | MiB/s (median) | runs | relayed ÷ direct |')
    print('|---|---:|---|---:|')
    print(f'| through one circuit (relay limits off) | **{r["relayed_mib_s"]:.1f}** | {", ".join(f"{x:.1f}" for x in r["relayed_runs"])} | {r["relayed_mib_s"] / r["direct_mib_s"]:.0%} |')
    print(f'| direct connection | **{r["direct_mib_s"]:.1f}** | {", ".join(f"{x:.1f}" for x in r["direct_runs"])} | |')
    print(f'\nLoad: {r["load"]}.')
EOF
