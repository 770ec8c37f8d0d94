#!/usr/bin/env bash
# The example programs as a user runs them: the PeerIds of WIRE.md §1.6, and bad flags giving a usage
# message with a non-zero exit (never a crash). Usage: examples_test.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: examples_test.sh BIN_DIR}
pass=0 fail=0
check() { local name=$1; shift; if "$@"; then echo "PASS: $name"; pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi; }
expect_exit() {  # expect_exit CODE_PATTERN cmd...: the exit code matches and nothing crashed (no signal)
  local want=$1; shift
  "$@" >/dev/null 2>&1; local rc=$?
  [[ $rc =~ ^($want)$ ]]
}
check "peer-id seed 0" test "$("$bin/peer-id" --secret-key-seed 0)" = 12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
check "peer-id seed 1" test "$("$bin/peer-id" --secret-key-seed 1)" = 12D3KooWPjceQrSwdWXPyLLeABRXmuqt69Rg3sBYbU1Nft9HyQ6X
check "peer-id seed 1 as CID" test "$("$bin/peer-id" --secret-key-seed 1 --cid)" = bafzaajaiaejcbtwmcud5yho5okkzkhbjbcepbfnnxece2g3t22lonxyglvudxvh4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gen=$("$bin/peer-id" --generate "$tmp/k.key" 2>/dev/null)
check "peer-id --generate then --key-file give the same PeerId" test -n "$gen" -a "$gen" = "$("$bin/peer-id" --key-file "$tmp/k.key")"
check "peer-id seed 256 is refused" expect_exit '1|2' "$bin/peer-id" --secret-key-seed 256
check "peer-id unknown flag is refused" expect_exit '1|2' "$bin/peer-id" --frobnicate
check "peer-id missing key file is refused" expect_exit '1|2' "$bin/peer-id" --key-file "$tmp/none"
printf 'garbage' >"$tmp/bad.key"
check "peer-id garbage key file is refused" expect_exit '1|2' "$bin/peer-id" --key-file "$tmp/bad.key"
check "dcutr bad mode is refused" expect_exit 2 "$bin/dcutr" --mode sideways --secret-key-seed 1 --relay-address /ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
check "dcutr relay address without /p2p is refused" expect_exit 2 "$bin/dcutr" --mode listen --secret-key-seed 1 --relay-address /ip4/127.0.0.1/tcp/1
check "dcutr dial without --remote-peer-id is refused" expect_exit 2 "$bin/dcutr" --mode dial --secret-key-seed 1 --relay-address /ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN
check "dcutr --spray other than on|off is refused" expect_exit 2 "$bin/dcutr" --mode listen --secret-key-seed 1 --relay-address /ip4/127.0.0.1/tcp/1/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN --spray maybe
check "relay-server without --port is refused" expect_exit 2 "$bin/relay-server" --secret-key-seed 0
check "perf with a bad transport is refused" expect_exit 2 "$bin/perf" --server-address 127.0.0.1:1 --transport quic
echo "$pass passed, $fail failed"
((fail == 0))
