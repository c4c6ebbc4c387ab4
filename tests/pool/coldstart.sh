#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold start: the APDUs of the first signature of a fresh process (one P-256
# key, id known, public key not at hand: verify-after-sign reads it), per
# front end, counted by the emulator (--stats: one line per connection).
# Fails when a count grows above its recorded budget. The budgets are what the
# front ends cost today (docs/api.md "Session pool"); the goal of issue 14 is
# SELECT + signature + one public-key read = 3, so lower a budget whenever a
# change reaches it, never raise one.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
pool_key --stats "$T/stats.jsonl"
declare -A BUDGET=([engine]=9 [provider]=7 [pkcs11]=9)
fes=()
[ -f "$ENGINE_LIB" ] && fes+=(engine)
[ -f "$OPENSSL_MODULES/se05x.so" ] && fes+=(provider)
[ -f "$P11_MODULE" ] && fes+=(pkcs11)
for FE in "${fes[@]}"; do
  before=$(wc -l <"$T/stats.jsonl")
  fe_run cold "$T/pub.pem" 2>"$T/fe.err" || { cat "$T/fe.err" >&2; fail "$FE: first signature"; }
  # the emulator writes the line when it sees the connection close
  for i in $(seq 1 200); do [ "$(wc -l <"$T/stats.jsonl")" -gt "$before" ] && break; sleep 0.05; done
  [ "$(wc -l <"$T/stats.jsonl")" = $((before + 1)) ] ||
    fail "$FE: expected one connection: $(tail -n +$((before + 1)) "$T/stats.jsonl")"
  line=$(tail -1 "$T/stats.jsonl")
  line=${line#*\"apdus\":}
  n=${line%%,*}
  note "$FE: first signature of a fresh process: $n APDUs (budget ${BUDGET[$FE]})"
  [ "$n" -le "${BUDGET[$FE]}" ] || fail "$FE: cold start costs $n APDUs, more than its budget ${BUDGET[$FE]}"
done
