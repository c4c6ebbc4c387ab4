#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x: sign/verify (ECDSA, RSA PKCS#1 v1.5 and PSS) checked with openssl,
# CSR + certificate from a demo CA, random.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start

head -c 5000 /dev/urandom >"$T/msg"
cp "$T/msg" "$T/tampered"; printf 'x' >>"$T/tampered"

note "ECDSA P-256 (sha256) and P-384 (sha384)"
se05x generate ec 0x7f000001 >/dev/null
se05x generate ec 0x7f000002 --curve P-384 >/dev/null
se05x public 0x7f000001 -o "$T/p256.pub"
se05x public 0x7f000002 -o "$T/p384.pub"
se05x sign 0x7f000001 -i "$T/msg" -o "$T/p256.sig"
openssl dgst -sha256 -verify "$T/p256.pub" -signature "$T/p256.sig" "$T/msg" | grep -q "Verified OK"
se05x verify 0x7f000001 -i "$T/msg" -s "$T/p256.sig" | grep -q "Signature OK"
expect_fail "EC verify of a tampered message" se05x verify 0x7f000001 -i "$T/tampered" -s "$T/p256.sig"
assert_contains "$LAST_ERR" "does not verify"
! openssl dgst -sha256 -verify "$T/p256.pub" -signature "$T/p256.sig" "$T/tampered" >/dev/null 2>&1 \
  || fail "openssl accepted a tampered message"
se05x sign 0x7f000002 -i "$T/msg" -o "$T/p384.sig" --digest sha384
openssl dgst -sha384 -verify "$T/p384.pub" -signature "$T/p384.sig" "$T/msg" >/dev/null
se05x verify 0x7f000002 -i "$T/msg" -s "$T/p384.sig" --digest sha384 >/dev/null
# stdin in, stdout out
se05x sign 0x7f000001 -i - -o - <"$T/msg" >"$T/stdin.sig"
openssl dgst -sha256 -verify "$T/p256.pub" -signature "$T/stdin.sig" "$T/msg" >/dev/null

note "a signature made by openssl verifies on the chip (imported key)"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/sw.pem" 2>/dev/null
se05x import 0x7f000003 "$T/sw.pem" >/dev/null
openssl dgst -sha256 -sign "$T/sw.pem" -out "$T/sw.sig" "$T/msg"
se05x verify 0x7f000003 -i "$T/msg" -s "$T/sw.sig" >/dev/null
se05x sign 0x7f000003 -i "$T/msg" -o "$T/imp.sig"
openssl dgst -sha256 -prverify "$T/sw.pem" -signature "$T/imp.sig" "$T/msg" >/dev/null

if test_variant_has_rsa; then
note "RSA-2048 PKCS#1 v1.5 and PSS"
se05x generate rsa 0x7f000011 >/dev/null
se05x public 0x7f000011 -o "$T/rsa.pub"
se05x sign 0x7f000011 -i "$T/msg" -o "$T/rsa.sig"
[ "$(stat -c %s "$T/rsa.sig")" -eq 256 ] || fail "RSA-2048 signature size"
openssl dgst -sha256 -verify "$T/rsa.pub" -signature "$T/rsa.sig" "$T/msg" >/dev/null
se05x verify 0x7f000011 -i "$T/msg" -s "$T/rsa.sig" >/dev/null
se05x verify 0x7f000011 -i - -s "$T/rsa.sig" <"$T/msg" >/dev/null
expect_fail "RSA verify of a tampered message" se05x verify 0x7f000011 -i "$T/tampered" -s "$T/rsa.sig"
se05x sign 0x7f000011 -i "$T/msg" -o "$T/pss.sig" --rsa-pss --digest sha384
openssl dgst -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
  -verify "$T/rsa.pub" -signature "$T/pss.sig" "$T/msg" >/dev/null
openssl dgst -sha384 -binary -out "$T/msg.sha384" "$T/msg"
openssl pkeyutl -verify -pubin -inkey "$T/rsa.pub" -in "$T/msg.sha384" -sigfile "$T/pss.sig" \
  -pkeyopt rsa_padding_mode:pss -pkeyopt digest:sha384 -pkeyopt rsa_pss_saltlen:auto >/dev/null
se05x verify 0x7f000011 -i "$T/msg" -s "$T/pss.sig" --rsa-pss --digest sha384 >/dev/null
expect_fail "PSS signature checked as PKCS#1" se05x verify 0x7f000011 -i "$T/msg" -s "$T/pss.sig" --digest sha384

note "RSA key with policy sign,verify,read: the chip hashes small messages (RSASign)"
se05x generate rsa 0x7f000012 --policy sign,verify,read >/dev/null
se05x public 0x7f000012 -o "$T/rsa12.pub"
echo "short message" >"$T/short"
se05x sign 0x7f000012 -i "$T/short" -o "$T/short.sig"
openssl dgst -sha256 -verify "$T/rsa12.pub" -signature "$T/short.sig" "$T/short" >/dev/null
se05x sign 0x7f000012 -i - -o "$T/short2.sig" --rsa-pss <"$T/short"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -verify "$T/rsa12.pub" -signature "$T/short2.sig" "$T/short" >/dev/null
bad_input "large message, RSA key without 'dec'" 1 "need the 'dec' right" \
  se05x sign 0x7f000012 -i "$T/msg" -o "$T/big.sig"
[ ! -e "$T/big.sig" ] || fail "refused signature left a file"
else
note "SE050E (SE05X_TEST_VARIANT=E): RSA refused, naming the chip, nothing created"
expect_fail "RSA generate on an ECC-only chip" se05x generate rsa 0x7f000011
assert_contains "$LAST_ERR" "SE050E has no RSA, use an EC key" "RSA refusal"
se05x exists 0x7f000011 >/dev/null && fail "refused RSA key exists"
openssl genrsa -out "$T/r.pem" 2048 2>/dev/null
expect_fail "RSA import on an ECC-only chip" se05x import 0x7f000012 "$T/r.pem"
assert_contains "$LAST_ERR" "SE050E has no RSA" "RSA import refusal"
fi

note "CSR signed in the chip, certificate from a demo CA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
  -out "$T/ca.pem" -subj "/CN=Demo CA" -days 2 2>/dev/null
csr_ids=0x7f000001
test_variant_has_rsa && csr_ids="$csr_ids 0x7f000011"
for id in $csr_ids; do
  se05x csr "$id" --subj "/CN=Unit1/O=se05x test" -o "$T/$id.csr"
  openssl req -in "$T/$id.csr" -verify -noout 2>&1 | grep -qi "verify OK" || fail "CSR of $id"
  openssl req -in "$T/$id.csr" -noout -subject | grep -q "CN *= *Unit1" || fail "CSR subject"
  openssl x509 -req -in "$T/$id.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -set_serial 7 -days 1 \
    -out "$T/$id.crt" 2>/dev/null
  openssl verify -CAfile "$T/ca.pem" "$T/$id.crt" | grep -q ": OK" || fail "certificate of $id"
  se05x public "$id" -o "$T/c.pub"
  [ "$(openssl x509 -in "$T/$id.crt" -noout -pubkey | openssl pkey -pubin -outform DER | od -An -tx1)" = \
    "$(openssl pkey -pubin -in "$T/c.pub" -outform DER | od -An -tx1)" ] || fail "certificate key != chip key"
done
expect_fail "CSR without subject" se05x csr 0x7f000001
expect_fail "CSR with a bad subject" se05x csr 0x7f000001 --subj "CN=x"

note "random"
[ "$(se05x random 32 | wc -c)" -eq 32 ] || fail "random 32"
[ "$(se05x random 2000 -o - | wc -c)" -eq 2000 ] || fail "random 2000 (chunked)"
a=$(se05x random 16 --hex); b=$(se05x random 16 --hex)
[[ "$a" =~ ^[0-9a-f]{32}$ ]] || fail "random --hex '$a'"
[ "$a" != "$b" ] || fail "two random draws are equal"
expect_fail "random 0" se05x random 0
note ok
