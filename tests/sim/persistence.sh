#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Restart keeps persistent objects (and their content) and drops transient
# ones, after a clean stop and after kill -9.
. "$SE05X_HELPERS/lib.sh"
CLIENT="$SE05X_BUILD/tests/sim-jrcp-client"
SEL=00A4040010A000000396545300000001030000000000
# c APDU -> the R-APDU of APDU (after a SELECT) in hex
c() { "$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu "$1" | tail -1; }

sim_start sim
[ "$(c 800106000E41047F0000014302000444020102)" = 9000 ] || fail "persistent binary write"
[ "$(c 808106000E41047F0000024302000444020304)" = 9000 ] || fail "transient binary write"
[ "$(c 800161000941047F000003420140)" = 9000 ] || fail "Ed25519 key generation"
[ "$(c 800200260641047F000002)" = 41010B4201029000 ] || fail "transient ReadType"
[ "$(c 800200260641047F000001)" = 41010B4201019000 ] || fail "persistent ReadType"
pub=$(c 8002000000000641047F0000030000)
case "$pub" in 41820020*9000) ;; *) fail "Ed25519 public key read: $pub" ;; esac

for how in TERM KILL; do
  note "restart after SIG$how"
  kill -"$how" "$SIM_PID"
  wait "$SIM_PID" 2>/dev/null || true
  rm -f "$T/sim2.port"
  se05x-sim --state "$SIM_STATE" --port 0 --port-file "$T/sim2.port" >"$T/sim2.log" 2>&1 &
  SIM_PID=$!
  _SIM_PIDS+=("$SIM_PID")
  for i in $(seq 1 100); do [ -s "$T/sim2.port" ] && break; sleep 0.05; done
  [ -s "$T/sim2.port" ] || fail "restart failed: $(cat "$T/sim2.log")"
  SIM_PORT=$(cat "$T/sim2.port")
  [ "$(c 800400270641047F000001)" = 4101019000 ] || fail "persistent binary lost after SIG$how"
  [ "$(c 800400270641047F000002)" = 4101029000 ] || fail "transient object survived a restart (SIG$how)"
  [ "$(c 800400270641047F000003)" = 4101019000 ] || fail "persistent key lost after SIG$how"
  [ "$(c 8002000000000641047F0000010000)" = 41820004010200009000 ] || fail "binary content changed (SIG$how)"
  [ "$(c 8002000000000641047F0000030000)" = "$pub" ] || fail "key changed after SIG$how"
done
echo PASS
