#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several clients at once (TCP and unix), a JRCP LOCK holder, and hostile
# JRCP frames (oversize LEN, garbage, torn messages, unknown MTY) that must
# not take the server down.
. "$SE05X_HELPERS/lib.sh"
CLIENT="$SE05X_BUILD/tests/sim-jrcp-client"
SEL=00A4040010A000000396545300000001030000000000

sim_start sim --unix "$T/sim.sock"
note "8 concurrent writers (6 TCP, 2 unix) and an idle connection"
"$CLIENT" "127.0.0.1:$SIM_PORT" sleep 3000 >/dev/null 2>&1 &
IDLE=$!
pids=()
for i in 0 1 2 3 4 5 6 7; do
  conn="127.0.0.1:$SIM_PORT"
  [ $i -ge 6 ] && conn="unix:$T/sim.sock"
  "$CLIENT" "$conn" writes $((0x20000 + i * 0x100)) 25 64 >"$T/w$i.txt" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent writer failed"; done
for i in 0 1 2 3 4 5 6 7; do
  [ "$(grep -c '^ok' "$T/w$i.txt")" = 25 ] || fail "writer $i: $(tail -1 "$T/w$i.txt")"
  "$CLIENT" "127.0.0.1:$SIM_PORT" check $((0x20000 + i * 0x100)) 25 64 | grep -qv '^have' &&
    fail "writer $i objects incomplete"
done
kill "$IDLE" 2>/dev/null || true

note "hostile frames"
"$CLIENT" "127.0.0.1:$SIM_PORT" raw 0100FFFF expect-close >/dev/null || fail "oversize LEN not closed"
grep -q "exceeds the" "$T/sim.log" || fail "no log line for the oversize LEN"
"$CLIENT" "127.0.0.1:$SIM_PORT" raw 010000100102 >/dev/null         # torn message, then gone
"$CLIENT" "127.0.0.1:$SIM_PORT" raw 01 >/dev/null                   # torn header
"$CLIENT" "127.0.0.1:$SIM_PORT" raw FFFFFFFFDEADBEEF expect-close >/dev/null || true
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu "" | grep -qx 6700 || fail "empty APDU not answered 6700"
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu 80 | grep -qx 6700 || fail "1-byte APDU not answered 6700"
out=$("$CLIENT" "127.0.0.1:$SIM_PORT" msg 7E "" msg 02 "0102")
[ "$(echo "$out" | tr -d '\n')" = "" ] || fail "unknown MTY reply not empty: $out"
head -c 3000 /dev/urandom >"$T/noise"
for i in 1 2 3; do
  "$CLIENT" "127.0.0.1:$SIM_PORT" raw "01000100$(od -An -tx1 -N200 "$T/noise" | tr -d ' \n')" >/dev/null 2>&1 || true
done
kill -0 "$SIM_PID" || fail "server died on hostile frames"
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 8004002000 | tail -1 | grep -q 9000$ ||
  fail "server unusable after hostile frames"

note "JRCP LOCK holds other clients until UNLOCK"
"$CLIENT" "127.0.0.1:$SIM_PORT" msg 30 "" sleep 700 apdu "$SEL" msg 31 "" close >"$T/locker.txt" &
LOCKER=$!
for i in $(seq 1 250); do [ -s "$T/locker.txt" ] && break; sleep 0.02; done
[ -s "$T/locker.txt" ] || fail "LOCK was not answered"
locked=$(date +%s%N)
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" | grep -q 9000$ || fail "waiting client failed"
waited=$(( ($(date +%s%N) - locked) / 1000000 ))
wait "$LOCKER" || fail "lock holder failed"
# the holder keeps the lock 700 ms after its LOCK answer; a plain APDU takes a few ms
[ "$waited" -ge 400 ] || fail "APDU was not held by another client's LOCK (${waited} ms)"
echo PASS
