#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Steady state is one APDU per private-key operation (team standard): the
# emulator counts the APDUs of each connection (--stats); the engine_api
# driver does 1 round, then 11 rounds, of 8 verified operations (ECDSA from a
# ref PEM and from a key loaded by id, ECDSA_do_sign with a 24-byte digest,
# RSA PKCS#1 and PSS both ways, ECDH) on one engine session each. Everything
# before the first round (session open, key loads) is the same in both runs,
# so the difference must be exactly 10 x 8 APDUs: a cache that stopped
# working would not show here, but any per-operation metadata read would,
# and so would an operation silently done in software (0 APDUs).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
API="$SE05X_TESTS_DIR/engine_api"
sim_start sim --stats "$T/stats.jsonl"
export OPENSSL_CONF=/dev/null
OPS=8

se05x generate ec 0x7f000001 >/dev/null 2>&1 || fail "generate EC"
se05x generate rsa 0x7f000002 --bits 2048 >/dev/null 2>&1 || fail "generate RSA"
se05x refkey 0x7f000001 -o "$T/ec.ref" >/dev/null 2>&1 || fail "refkey EC"
se05x refkey 0x7f000002 -o "$T/rsa.ref" >/dev/null 2>&1 || fail "refkey RSA"

# apdus_of_run N — APDUs of the engine's connection for N rounds
apdus_of_run() {
  local before i line
  before=$(wc -l <"$T/stats.jsonl" 2>/dev/null || echo 0)
  "$API" steady "$1" 0x7f000001 "$T/ec.ref" 0x7f000002 "$T/rsa.ref" >"$T/run$1.out" 2>&1 ||
    fail "engine_api steady $1: $(cat "$T/run$1.out")"
  grep -q "^$(($1 * OPS)) operations$" "$T/run$1.out" || fail "steady $1: $(cat "$T/run$1.out")"
  # the emulator writes the line when it sees the connection close
  for i in $(seq 1 100); do
    [ "$(wc -l <"$T/stats.jsonl")" -gt "$before" ] && break
    sleep 0.05
  done
  [ "$(wc -l <"$T/stats.jsonl")" = $((before + 1)) ] ||
    fail "expected one engine connection: $(tail -n +$((before + 1)) "$T/stats.jsonl")"
  line=$(tail -1 "$T/stats.jsonl")
  line=${line#*\"apdus\":}
  echo "${line%%,*}"
}

note "APDUs per operation in steady state"
: >"$T/stats.jsonl"
a1=$(apdus_of_run 1)
a11=$(apdus_of_run 11)
echo "1 round: $a1 APDUs, 11 rounds: $a11 APDUs"
[ $((a11 - a1)) = $((10 * OPS)) ] ||
  fail "10 rounds of $OPS operations cost $((a11 - a1)) APDUs, expected $((10 * OPS))"
echo "PASS"
