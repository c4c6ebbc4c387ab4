#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The emulator killed in the middle of an exchange: the host ends with a
# clear error within a bound (never a hang), and an emulator restarted on
# the same port and state is used again on the next open. Over TCP (the
# connection drops) and over /dev/i2c-1 (the chip goes silent: NACKs).
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
note "nothing listening / no such bus: one clear line, at once"
expect_fail "t1 refused" se05x -p "t1:127.0.0.1:$(free_port)" info
assert_contains "$LAST_ERR" "cannot connect" "t1 refused"
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || fail "t1 refused: more than one line"
expect_fail "no i2c bus" se05x -p /dev/i2c-97 info
assert_contains "$LAST_ERR" "/dev/i2c-97" "no i2c bus"
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || fail "no i2c bus: more than one line"

TIMING="bwt=300,ECDSASign=2000"
sim_start sim --timing "$TIMING"
state=$SIM_STATE
port=$SIM_PORT
use_t1_tcp
"$SIGLOOP" --gen -n 0 >/dev/null || fail "key generation"

# restart_sim NAME — a new emulator on the same port and state
restart_sim() {
  local name=$1 i
  se05x-sim --state "$state" --port "$port" --timing "$TIMING" >"$T/$name.log" 2>&1 &
  SIM_PID=$!
  _SIM_PIDS+=("$SIM_PID")
  for i in $(seq 1 100); do
    grep -q "listening" "$T/$name.log" 2>/dev/null && return 0
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$T/$name.log" >&2
  fail "emulator $name did not restart on port $port"
}

for mode in tcp shim; do
  run=(); [ $mode = shim ] && { export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1; run=(shim); }
  note "$mode: kill -9 the emulator during a 2 s signature"
  start=$(date +%s%N)
  "${run[@]}" "$SIGLOOP" -n 3 --quiet >"$T/k.out" 2>"$T/k.err" &
  cpid=$!
  sleep 0.8
  kill -9 "$SIM_PID"
  rc=0
  wait "$cpid" || rc=$?
  ms=$(elapsed_ms "$start")
  [ "$rc" -ne 0 ] || fail "$mode: the client did not notice the dead emulator"
  msg=$(cat "$T/k.err")
  note "$mode: failed after $ms ms: $msg"
  [ "$(wc -l <"$T/k.err")" -eq 1 ] || fail "$mode: expected one line of error"
  case $mode in
    tcp) assert_contains "$msg" "connection" "$mode error" ;;
    shim) assert_contains "$msg" "absent" "$mode error" ;;
  esac
  [ "$ms" -lt 15000 ] || fail "$mode: error took $ms ms (bound 15 s)"

  note "$mode: a restarted emulator is picked up on the next open"
  restart_sim "sim-$mode"
  "${run[@]}" "$SIGLOOP" -n 1 >"$T/r.out" 2>"$T/r.err" || { cat "$T/r.err" >&2; fail "$mode: restarted emulator not used"; }
  grep -q "^ok 1 verified" "$T/r.out" || fail "$mode: no signature after restart"
done
