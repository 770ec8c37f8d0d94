# shellcheck shell=bash
# PASS/FAIL bookkeeping shared by the lab test scripts (source after lab.sh):
#   check NAME CMD...   runs CMD; prints "PASS: NAME" or "FAIL: NAME" and counts it
#   finish              dumps the lab logs if anything failed, prints the tally, tears the lab down and
#                       exits 0 (all passed) or 1
# Scripts may add to $fail directly for a step that cannot go on (e.g. a process that never started).
pass=0 fail=0
check() {
  local name=$1; shift
  if "$@"; then echo "PASS: $name"; pass=$((pass + 1)); else echo "FAIL: $name"; fail=$((fail + 1)); fi
}
finish() {
  if ((fail > 0)); then lab_dump_logs; fi
  echo "$pass passed, $fail failed"
  lab_down
  ((fail == 0)) && exit 0 || exit 1
}
