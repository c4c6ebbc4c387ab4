#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x attest / attest-verify against the emulator (docs/attestation.md): EC and
# RSA keys, generated and imported (origin reported right), binary files and an
# NXP-provisioned object; the chain also checked with `openssl verify`; --json
# read by python3; refused: stale nonce, another public key, tampered record,
# wrong CA, a missing object, usage errors. Verification runs with the chip gone.
# On emulators that offer an applet 7.x variant, the same on layout V2.
. "$SE05X_HELPERS/lib.sh"
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }

N=00112233445566778899aabbccddeeff

# json_check FILE PYTHON-EXPR — the expression over d (the parsed JSON) must hold.
json_check() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); sys.exit(0 if ok else 1)' "$1" "$2" ||
    fail "json check '$2' failed on: $(cat "$1")"
}

# attest_and_verify ID NAME EXPECTED-ORIGIN [pubkey]: attest with $N, verify
# with the nonce (and the public key when given), text and JSON.
attest_and_verify() {
  local id=$1 name=$2 origin=$3 pub=${4:-}
  se05x attest "$id" --nonce $N -o "$T/$name.rec" || fail "attest $id"
  grep -q -- '-----BEGIN SE05X ATTESTATION-----' "$T/$name.rec" || fail "$name: no record block"
  se05x attest-verify "$T/$name.rec" --ca "$CA" --nonce $N ${pub:+--pubkey "$pub"} >"$T/$name.txt" ||
    fail "attest-verify $name"
  assert_contains "$(cat "$T/$name.txt")" "origin:          $origin" "$name origin"
  se05x attest-verify "$T/$name.rec" --ca "$CA" --nonce $N ${pub:+--pubkey "$pub"} --json >"$T/$name.json" ||
    fail "attest-verify --json $name"
  json_check "$T/$name.json" "d['ok'] and d['nonce_checked'] and d['object'] == '0x$id'"
  [ -z "$pub" ] || json_check "$T/$name.json" "d['pubkey_checked']"
  # the chain, also by openssl itself (the record's first certificate)
  openssl verify -CAfile "$CA" "$T/$name.rec" >/dev/null || fail "openssl verify $name"
}

run_suite() {
  local label=$1
  CA="$SIM_STATE/ca.crt"
  [ -s "$CA" ] || fail "$label: emulator wrote no CA"

  note "$label: EC key generated inside the chip"
  se05x generate ec 7F000001 --curve P-256 --policy sign,verify,read,delete >/dev/null
  se05x public 7F000001 -o "$T/p1.pem"
  attest_and_verify 7F000001 ec-gen "generated inside the chip" "$T/p1.pem"
  json_check "$T/ec-gen.json" "d['type'] == 'EC key pair' and d['size'] == 32 and d['origin'] == 'generated' and d['certificate_names_chip']"
  openssl pkey -pubin -in "$T/p1.pem" -pubout -ec_conv_form compressed -out "$T/p1c.pem"
  se05x attest-verify "$T/ec-gen.rec" --ca "$CA" --nonce $N --pubkey "$T/p1c.pem" >/dev/null ||
    fail "$label: the same key in compressed form"
  json_check "$T/ec-gen.json" "d['policy'] == [{'auth_id': '0x00000000', 'rules': '0x18240000', 'names': 'sign,verify,read,delete'}]"

  note "$label: EC key imported (P-384)"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/k2.pem" 2>/dev/null
  openssl pkey -in "$T/k2.pem" -pubout -out "$T/k2.pub"
  se05x import 7F000002 "$T/k2.pem" >/dev/null
  attest_and_verify 7F000002 ec-imp "imported from outside the chip" "$T/k2.pub"
  json_check "$T/ec-imp.json" "d['size'] == 48 and d['origin'] == 'imported'"

  if [ "$label" != "SE050E" ]; then
    note "$label: RSA key generated inside the chip (modulus and exponent attested)"
    se05x generate rsa 7F000003 --bits 2048 >/dev/null
    se05x public 7F000003 -o "$T/p3.pem"
    attest_and_verify 7F000003 rsa-gen "generated inside the chip" "$T/p3.pem"
    json_check "$T/rsa-gen.json" "d['type'] == 'RSA key pair' and d['size'] == 256"
    [ "$(grep -c 'BEGIN CERTIFICATE' "$T/rsa-gen.rec")" = 1 ] || fail "one certificate expected"

    note "$label: RSA key imported"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/k4.pem" 2>/dev/null
    openssl pkey -in "$T/k4.pem" -pubout -out "$T/k4.pub"
    se05x import 7F000004 "$T/k4.pem" >/dev/null
    attest_and_verify 7F000004 rsa-imp "imported from outside the chip" "$T/k4.pub"
    note "$label: the RSA record does not match another RSA key"
    expect_fail "rsa other key" se05x attest-verify "$T/rsa-imp.rec" --ca "$CA" --nonce $N --pubkey "$T/p3.pem"
    assert_contains "$LAST_ERR" "not the given public key"
  fi

  note "$label: binary file and an NXP-provisioned object (UID 7FFF0206)"
  printf 'device-serial-0001' >"$T/f5"
  se05x write 7F000005 "$T/f5" >/dev/null
  attest_and_verify 7F000005 bin "imported from outside the chip"
  json_check "$T/bin.json" "d['type'] == 'binary file' and d['size'] == 18"
  attest_and_verify 7FFF0206 uid "provisioned by NXP"

  note "$label: a fresh random nonce by default; the old nonce no longer matches"
  se05x attest 7F000001 -o "$T/fresh.rec"
  se05x attest-verify "$T/fresh.rec" --ca "$CA" >"$T/fresh.txt" 2>"$T/fresh.err" || fail "verify without nonce"
  assert_contains "$(cat "$T/fresh.err")" "nonce was not checked"
  expect_fail "stale nonce" se05x attest-verify "$T/fresh.rec" --ca "$CA" --nonce $N
  assert_contains "$LAST_ERR" "nonce"
  expect_fail "replayed record" se05x attest-verify "$T/ec-gen.rec" --ca "$CA" --nonce ffeeddccbbaa99887766554433221100

  note "$label: another public key is refused"
  expect_fail "other pubkey" se05x attest-verify "$T/ec-gen.rec" --ca "$CA" --nonce $N --pubkey "$T/k2.pub"
  assert_contains "$LAST_ERR" "public key"

  note "$label: tampered records are refused (a byte of the signed answer, a byte of the signature)"
  for where in data sig; do
    python3 - "$T/ec-gen.rec" "$T/tampered-$where.rec" "$where" <<'EOF'
import base64, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"-----BEGIN SE05X ATTESTATION-----\n(.*?)-----END SE05X ATTESTATION-----\n", text, re.S)
raw = bytearray(base64.b64decode(m.group(1)))
raw[len(raw) // 2 if sys.argv[3] == "data" else len(raw) - 5] ^= 0x01
body = base64.encodebytes(bytes(raw)).decode()
open(sys.argv[2], "w").write(text[:m.start(1)] + body + text[m.end(1):])
EOF
    expect_fail "tampered $where" se05x attest-verify "$T/tampered-$where.rec" --ca "$CA" --nonce $N
    assert_contains "$LAST_ERR" "NOT verified"
    se05x attest-verify "$T/tampered-$where.rec" --ca "$CA" --nonce $N --json >"$T/t.json" 2>/dev/null && fail "tampered --json"
    json_check "$T/t.json" "d['ok'] is False and 'error' in d"
  done

  note "$label: a wrong CA is refused, by us and by openssl"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/evil.key" -out "$T/evil.crt" \
    -subj "/O=se05x-sim/CN=se05x-sim test CA (not NXP)" -days 2 2>/dev/null
  expect_fail "wrong CA" se05x attest-verify "$T/ec-gen.rec" --ca "$T/evil.crt" --nonce $N
  assert_contains "$LAST_ERR" "does not chain"
  if openssl verify -CAfile "$T/evil.crt" "$T/ec-gen.rec" >/dev/null 2>&1; then fail "openssl accepted a wrong CA"; fi

  note "$label: a certificate of another key is caught when the record is made"
  se05x cert write 7F000030 "$T/evil.crt" >/dev/null
  expect_fail "foreign certificate" se05x attest 7F000001 --cert 7F000030 -o "$T/foreign.rec"
  assert_contains "$LAST_ERR" "does not check out"
  [ ! -e "$T/foreign.rec" ] || fail "a record was written with a foreign certificate"

  note "$label: attestation of an object that does not exist"
  expect_fail "missing object" se05x attest 7F0000FF -o "$T/missing.rec"
  assert_contains "$LAST_ERR" "not found"
  [ ! -e "$T/missing.rec" ] || fail "a record was written for a missing object"
}

note "usage errors (exit 2, nothing sent)"
set +e
se05x attest >/dev/null 2>&1; [ $? = 2 ] || fail "attest without id"
se05x attest 7F000001 --nonce 0g >/dev/null 2>&1; [ $? = 2 ] || fail "bad nonce hex"
se05x attest 7F000001 --nonce 00112233445566778899aabbccddeeff00 >/dev/null 2>&1; [ $? = 2 ] || fail "17-byte nonce"
se05x attest-verify /nonexistent >/dev/null 2>&1; [ $? = 2 ] || fail "attest-verify without --ca"
se05x attest-verify --ca x >/dev/null 2>&1; [ $? = 2 ] || fail "attest-verify without file"
se05x attest-verify a b --ca x >/dev/null 2>&1; [ $? = 2 ] || fail "attest-verify with two files"
set -e
se05x attest --help | grep -q 'Usage: se05x attest' || fail "attest --help"
se05x attest-verify --help | grep -q 'Usage: se05x attest-verify' || fail "attest-verify --help"

sim_start sim3
run_suite "applet 3.x"
json_check "$T/ec-gen.json" "d['layout'] == '3.x' and d['curve'] is None"

note "verification needs no chip: the emulator is stopped"
sim_stop
se05x attest-verify "$T/rsa-gen.rec" --ca "$CA" --nonce $N --pubkey "$T/p3.pem" >/dev/null || fail "verify without chip"

# scp03_attest NAME [sim args...]: attested read over Platform SCP03 (the record keeps
# the command as built, CLA 80: docs/protocol/attestation.md §2).
scp03_attest() {
  local name=$1; shift
  { echo "ENC $(openssl rand -hex 16)"; echo "MAC $(openssl rand -hex 16)"; echo "DEK $(openssl rand -hex 16)"; } >"$T/scp.txt"
  chmod 600 "$T/scp.txt"
  sim_start "$name" --scp03-keys "$T/scp.txt" "$@"
  EX_SSS_BOOT_SCP03_PATH="$T/scp.txt" SE05X_AUTH=platform-scp03 se05x generate ec 7F000021 >/dev/null
  EX_SSS_BOOT_SCP03_PATH="$T/scp.txt" SE05X_AUTH=platform-scp03 se05x attest 7F000021 --nonce $N -o "$T/scp.rec" ||
    fail "attest over SCP03 ($*)"
  se05x attest-verify "$T/scp.rec" --ca "$SIM_STATE/ca.crt" --nonce $N >/dev/null || fail "verify the SCP03 record ($*)"
  sim_stop
}
note "attested read over Platform SCP03 (applet 3.x)"
scp03_attest scp3

# Applet 7.x (layout V2) when the emulator offers it (docs/emulator.md).
if se05x-sim --help 2>&1 | grep -q -- '--variant [A-Z|]*|E|'; then
  sim_start sim7 --variant E
  run_suite "SE050E"
  json_check "$T/ec-gen.json" "d['layout'] == 'V2' and d['curve'] == 'P-256'"
  sim_stop
  note "attested read over Platform SCP03 (applet 7.x)"
  scp03_attest scp7 --variant E
fi
if se05x-sim --help 2>&1 | grep -q -- '--variant.*SE051'; then
  sim_start sim51 --variant SE051
  run_suite "SE051"
  json_check "$T/rsa-gen.json" "d['layout'] == 'V2' and d['size'] == 256"
  sim_stop
else
  note "this emulator has no applet 7.x variant: layout V2 covered by the unit tests only"
fi
note "ok"
