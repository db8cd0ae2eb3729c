#!/usr/bin/env bash
# End-to-end checks of separately started parties (`mpvm run --party I --hosts FILE`):
#   deployment.sh MPVM EXAMPLES_DIR SCRATCH_DIR CASE
# CASE: three_terminals | missing_peer | killed_peer | different_programs
set -u
mpvm=$1 examples=$2 scratch=$3 case=$4
dir="$scratch/deployment_$case"
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; for f in "$dir"/*.out "$dir"/*.err; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

# Three ports that are free now (the kernel hands out distinct ephemeral ones).
ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(3)]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' 2>/dev/null) || ports="$((20000 + RANDOM % 20000)) $((40000 + RANDOM % 10000)) $((50000 + RANDOM % 10000))"
set -- $ports
printf '# party 0 first\n127.0.0.1:%s\n127.0.0.1:%s\n\n127.0.0.1:%s\n' "$1" "$2" "$3" > "$dir/hosts"

start() {  # start PARTY PROGRAM INPUTS [extra args]
  local party=$1 program=$2 inputs=$3; shift 3
  "$mpvm" run "$program" --protocol rep3 --party "$party" --hosts "$dir/hosts" --inputs "$inputs" "$@" \
    > "$dir/p$party.out" 2> "$dir/p$party.err" &
  eval "pid$party=\$!"
}

case $case in
three_terminals)
  # dot_product reveals x.y to party 1 only; sum_inputs reveals the sum to everyone but
  # prints at party 0. Each party's stdout holds exactly what that party prints.
  start 0 "$examples/dot_product.s" "$examples/inputs/dot_product"
  start 1 "$examples/dot_product.s" "$examples/inputs/dot_product"
  start 2 "$examples/dot_product.s" "$examples/inputs/dot_product"
  wait $pid0 || fail "party 0 exited $?"; wait $pid1 || fail "party 1 exited $?"; wait $pid2 || fail "party 2 exited $?"
  [ "$(cat "$dir/p1.out")" = "$(printf 'P1: 36\nP1: 36')" ] || fail "party 1 printed the wrong thing"
  [ ! -s "$dir/p0.out" ] && [ ! -s "$dir/p2.out" ] || fail "parties 0 and 2 must print nothing"
  grep -q "rep3 party 2: .* bytes sent" "$dir/p2.err" || fail "party 2 printed no statistics"
  start 0 "$examples/sum_inputs.s" "$examples/inputs/sum_inputs"
  start 2 "$examples/sum_inputs.s" "$examples/inputs/sum_inputs"  # the order of starting does not matter
  sleep 0.3
  start 1 "$examples/sum_inputs.s" "$examples/inputs/sum_inputs"
  wait $pid0 && wait $pid1 && wait $pid2 || fail "a party failed"
  [ "$(cat "$dir/p0.out")" = "sum = 1200" ] || fail "party 0 printed the wrong sum"
  ;;
missing_peer)
  # Party 2 never starts: 0 and 1 give up after the timeout, naming it.
  start 0 "$examples/hello.s" "$examples" --timeout 1.5
  start 1 "$examples/hello.s" "$examples" --timeout 1.5
  wait $pid0; code0=$?; wait $pid1; code1=$?
  [ $code0 -eq 5 ] && [ $code1 -eq 5 ] || fail "expected exit 5 (network), got $code0 and $code1"
  grep -q "party 2 (127.0.0.1:$3)" "$dir/p0.err" && grep -q "party 2 (127.0.0.1:$3)" "$dir/p1.err" || fail "the message must name party 2 and its address"
  ;;
killed_peer)
  # A long program; party 2 is killed mid-run. The others stop within the timeout, naming it.
  printf 'rands:1000 s0\nldint i0, 0\nldint i1, 1\nldint i2, 1000000\nloop:\nmuls:1000 s1000, s0, s0\naddint i0, i0, i1\nltint i3, i0, i2\njmpnz i3, loop\n' > "$dir/long.s"
  start 0 "$dir/long.s" "$examples" --timeout 3
  start 1 "$dir/long.s" "$examples" --timeout 3
  start 2 "$dir/long.s" "$examples" --timeout 3
  sleep 1
  kill -9 $pid2
  killed_at=$(date +%s)
  wait $pid0; code0=$?; wait $pid1; code1=$?
  elapsed=$(( $(date +%s) - killed_at ))
  [ $code0 -ne 0 ] && [ $code1 -ne 0 ] || fail "the surviving parties must fail, got $code0 and $code1"
  [ $elapsed -le 6 ] || fail "the survivors took ${elapsed}s to stop"
  grep -q "party 2" "$dir/p1.err" || fail "party 1 must name party 2"
  grep -q "pc 4 (muls)" "$dir/p1.err" || fail "party 1 must say where it was"
  ;;
different_programs)
  # Party 0 runs another program: every party stops at the handshake, before computing.
  start 0 "$examples/hello.s" "$examples" --timeout 5
  start 1 "$examples/sum_inputs.s" "$examples/inputs/sum_inputs" --timeout 5
  start 2 "$examples/sum_inputs.s" "$examples/inputs/sum_inputs" --timeout 5
  wait $pid0; code0=$?; wait $pid1; code1=$?; wait $pid2; code2=$?
  [ $code0 -ne 0 ] && [ $code1 -ne 0 ] && [ $code2 -ne 0 ] || fail "all parties must fail, got $code0 $code1 $code2"
  cat "$dir"/p*.err | grep -q "runs a different program or protocol" || fail "no party explained the mismatch"
  [ ! -s "$dir/p0.out" ] && [ ! -s "$dir/p1.out" ] || fail "nothing may be printed"
  ;;
esac
echo "ok: $case"
