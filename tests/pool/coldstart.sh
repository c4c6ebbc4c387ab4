#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold start: the APDUs of the first signature of a fresh process (one P-256
# key, id known, public key not at hand: verify-after-sign reads it), per
# front end (engine, provider, PKCS#11 module, `se05x sign`, `ssscli sign`;
# seTool does not sign), counted by the emulator (--stats: one line per
# connection), on the default applet and on the 7.x one (--variant E, whose
# curve-specific object types name the curve).
# Fails when a count grows above its recorded budget (docs/lib.md "Cold start"):
# SELECT + ReadObject (the public key, which also names the curve) + ECDSASign
# = 3 (issue 14); PKCS#11 asks ReadType too (its object classes need the exact
# type) = 4. Lower a budget whenever a change reaches it, never raise one.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
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
# count_all LABEL STATS — every front end against the running emulator
count_all() {
  local label=$1 stats=$2 before line n
  for FE in "${fes[@]}"; do
    before=$(wc -l <"$stats")
    first_sig 2>"$T/fe.err" || { cat "$T/fe.err" >&2; fail "$label $FE: first signature"; }
    case $FE in se05x | ssscli)
      openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null ||
        fail "$label $FE: signature does not verify"
    esac
    # the emulator writes the line when it sees the connection close
    for i in $(seq 1 200); do [ "$(wc -l <"$stats")" -gt "$before" ] && break; sleep 0.05; done
    [ "$(wc -l <"$stats")" = $((before + 1)) ] ||
      fail "$label $FE: expected one connection: $(tail -n +$((before + 1)) "$stats")"
    line=$(tail -1 "$stats")
    line=${line#*\"apdus\":}
    n=${line%%,*}
    note "$label $FE: first signature of a fresh process: $n APDUs (budget ${BUDGET[$FE]})"
    [ "$n" -le "${BUDGET[$FE]}" ] || fail "$label $FE: cold start costs $n APDUs, more than its budget ${BUDGET[$FE]}"
  done
}
# not_pairs LABEL — an EC public key and a file holding a P-256 point answer
# ReadObject like a key pair does: signing with them is refused with a clear
# error naming the object, and nothing is written
not_pairs() {
  local label=$1 id out
  se05x import 0x7f000002 "$T/pub.pem" --public >/dev/null 2>"$T/imp.err" || fail "$label import: $(cat "$T/imp.err")"
  openssl pkey -pubin -in "$T/pub.pem" -outform DER | tail -c 65 >"$T/point.bin"
  se05x write 0x7f000003 "$T/point.bin" >/dev/null 2>"$T/wr.err" || fail "$label write: $(cat "$T/wr.err")"
  for id in 0x7F000002 0x7F000003; do
    rm -f "$T/bad.sig"
    se05x sign "$id" -i "$T/msg" -o "$T/bad.sig" >/dev/null 2>"$T/bad.err" && fail "$label: signed with $id"
    out=$(cat "$T/bad.err")
    assert_contains "$out" "$id"
    assert_contains "$out" "cannot sign"
    [ ! -e "$T/bad.sig" ] || fail "$label: a signature file was written for $id"
  done
  assert_contains "$(cat "$T/bad.err")" "not a key"
  se05x sign 0x7f000002 -i "$T/msg" -o "$T/bad.sig" >/dev/null 2>"$T/bad.err" && fail "$label: signed with a public key"
  assert_contains "$(cat "$T/bad.err")" "is a public key"
}
pool_key --stats "$T/stats.jsonl"
count_all "${SE05X_TEST_VARIANT:-default}:" "$T/stats.jsonl"
not_pairs "${SE05X_TEST_VARIANT:-default}:"
sim_stop
sim_start sim7 --variant E --stats "$T/stats7.jsonl"
se05x generate ec 0x7f000001 >/dev/null 2>"$T/gen.err" || fail "7.x generate: $(cat "$T/gen.err")"
seTool getPublic 0x7f000001 "$T/pub.pem" >/dev/null 2>&1 || fail "7.x seTool getPublic"
count_all "7.x:" "$T/stats7.jsonl"
not_pairs "7.x:"
