# shellcheck shell=bash
# Shared setup and checks of the js-libp2p interop scripts (run_interop.sh, run_relay_interop.sh,
# run_js_js.sh). Source it after setting `here` (this folder):
#   harness_setup TITLE TMP_PREFIX   installs the pinned js-libp2p (scripts/interop-setup.sh) or exits 77
#                                    (skipped) with a banner naming TITLE; sets NODE, PEER, tmp (a temp dir,
#                                    kept with KEEP_TMP=1), pids (killed on exit), passed, failed.
# Then: pass / fail, check / field (JS expressions over the peers' JSON-lines events), start_matching
# (a background server, waiting for a line), run (a dialer to completion) and expect_ok.
root=$(cd "$here/../.." && pwd)

harness_setup() {
  HARNESS_TITLE=$1
  if ! bash "$root/scripts/interop-setup.sh" >&2; then harness_skip "scripts/interop-setup.sh failed"; fi
  NODE="$here/node"
  PEER="$here/peer"
  "$NODE" --version >/dev/null 2>&1 || harness_skip "no Node >= 22 to run the js peers"
  [[ -d $here/node_modules/libp2p ]] || harness_skip "tests/interop/node_modules/libp2p is missing"
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$2.XXXXXX")
  pids=()
  trap harness_cleanup EXIT
  trap 'exit 130' INT TERM
  passed=0 failed=0
}

harness_skip() {
  echo "######################################################################################"
  echo "## SKIPPED: $HARNESS_TITLE NOT RUN: $1"
  echo "## Install Node/npm and run scripts/interop-setup.sh (npm ci in tests/interop)."
  echo "######################################################################################"
  exit 77
}

harness_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  if [[ -n ${KEEP_TMP:-} ]]; then echo "event logs kept in $tmp"; else rm -rf "$tmp"; fi
}

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() {
  echo "FAIL $1: $2"
  local f
  for f in "${@:3}"; do
    [[ -f $f ]] || continue
    echo "    --- $(basename "$f") (last lines)"
    tail -n 20 "$f" | cut -c1-400 | sed 's/^/    | /'
  done
  failed=$((failed + 1))
}

# check FILE 'JS expression over ev (array of events)' [FILE2]: exit 0 when the expression is true.
# `of(name)` filters FILE's events, `of2(name)` FILE2's. A string result is printed as the reason.
check() {
  "$NODE" -e '
    const fs = require("fs")
    const load = f => f ? fs.readFileSync(f, "utf8").split("\n").filter(l => l.startsWith("{")).map(l => JSON.parse(l)) : []
    const ev = load(process.argv[1]), ev2 = load(process.argv[3])
    const of = name => ev.filter(e => e.event === name)
    const of2 = name => ev2.filter(e => e.event === name)
    const noP2p = a => (a ?? "").replace(/\/p2p\/[^/]+$/, "")
    let r
    try { r = (0, eval)("(ev, of, of2, noP2p) => (" + process.argv[2] + ")")(ev, of, of2, noP2p) } catch (e) { r = "exception: " + e.message }
    if (r !== true) { console.log(typeof r === "string" ? r : "condition false: " + process.argv[2].replace(/\s+/g, " ")); process.exit(1) }
  ' "$1" "$2" "${3:-}"
}

# field FILE EVENT EXPR: prints EXPR evaluated on the first EVENT in FILE (e.g. e.addrs[0]).
field() {
  "$NODE" -e '
    const fs = require("fs")
    const e = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(l => l.startsWith("{"))
      .map(l => JSON.parse(l)).find(x => x.event === process.argv[2])
    if (e === undefined) process.exit(1)
    console.log((0, eval)("(e) => " + process.argv[3])(e))
  ' "$1" "$2" "$3"
}

# start_matching NAME REGEX CMD...: starts a server in the background and waits (60 s max) for a stdout
# line matching REGEX (grep -E). Sets pid_NAME.
start_matching() {
  local name=$1 pattern=$2; shift 2
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  local pid=$! i
  pids+=("$pid")
  eval "pid_${name//-/_}=$pid"
  for ((i = 0; i < 600; i++)); do
    grep -Eq "$pattern" "$tmp/$name.out" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "start $name" "no line matching '$pattern'" "$tmp/$name.out" "$tmp/$name.err"
  return 1
}
ev() { echo "\"event\":\"$1\""; }

# run NAME CMD...: runs a dialer to completion; events in $tmp/NAME.out, exit code in $rc, time in $secs.
run() {
  local name=$1; shift
  last="$tmp/$name.out" last_err="$tmp/$name.err"
  local t0=$SECONDS
  "$@" >"$last" 2>"$last_err"
  rc=$?
  secs=$((SECONDS - t0))
}

# expect_ok LABEL 'JS condition' [OTHER_FILE]: the last dialer exited 0, printed done and no error, and
# the condition holds (of2 = OTHER_FILE's events, i.e. the listener's).
expect_ok() {
  local name=$1 cond=$2 other=${3:-} why
  if [[ $rc -ne 0 ]]; then fail "$name" "exit code $rc after ${secs}s" "$last" "$last_err" $other; return; fi
  if ! why=$(check "$last" "of('done').length === 1 && of('error').length === 0 && ($cond)" "$other"); then
    fail "$name" "$why" "$last" $other; return
  fi
  pass "$name (${secs}s)"
}

