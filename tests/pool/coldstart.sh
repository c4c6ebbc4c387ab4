#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold start: the APDUs of the first signature of a fresh process (one P-256
# key, id known, public key not at hand: verify-after-sign reads it), per
# front end (engine, provider, PKCS#11 module, `se05x sign`, `ssscli sign`;
# seTool does not sign), counted by the emulator (--stats: one line per
# connection).
# Fails when a count grows above its recorded budget (docs/lib.md "Cold start"):
# SELECT + ReadObject (the public key, which also names the curve) + ECDSASign
# = 3 (issue 14); PKCS#11 asks ReadType too (its object classes need the exact
# type) = 4. Lower a budget whenever a change reaches it, never raise one.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
pool_key --stats "$T/stats.jsonl"
declare -A BUDGET=([engine]=3 [provider]=3 [pkcs11]=4 [se05x]=3 [ssscli]=3)
fes=()
[ -f "$ENGINE_LIB" ] && fes+=(engine)
[ -f "$OPENSSL_MODULES/se05x.so" ] && fes+=(provider)
[ -f "$P11_MODULE" ] && fes+=(pkcs11)
fes+=(se05x ssscli)
echo "cold start" >"$T/msg"
first_sig() {
  case $FE in
  se05x) se05x sign 0x7f000001 -i "$T/msg" -o "$T/sig" >/dev/null ;;
  ssscli) ssscli sign 0x7f000001 "$T/msg" "$T/sig" >/dev/null ;;
  *) fe_run cold "$T/pub.pem" ;;
  esac
}
for FE in "${fes[@]}"; do
  before=$(wc -l <"$T/stats.jsonl")
  first_sig 2>"$T/fe.err" || { cat "$T/fe.err" >&2; fail "$FE: first signature"; }
  case $FE in se05x | ssscli)
    openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null || fail "$FE: signature does not verify"
  esac
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
