#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 11: the engine route (-engine e4sss, keyform ENGINE) while our provider
# is active in the same process (openssl.cnf with the tutorial's engine
# section and the se05x and default providers activated). The engine must
# load reference-key files, nxp:/sss: ids and pkcs11: URIs as legacy keys
# bound to itself; every signature is checked with the chip's public key in
# a process that loads neither the engine nor the provider.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
sim_start
ossl() { with_asan_preload openssl "$@"; }

seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 "$T/ec.ref" >/dev/null 2>&1 || fail "seTool getRef"
se05x generate rsa 0x7f000002 --bits 2048 >/dev/null 2>&1 || fail "generate RSA"
se05x public 0x7f000001 -o "$T/ec.pub" >/dev/null 2>&1 || fail "public EC"
se05x public 0x7f000002 -o "$T/rsa.pub" >/dev/null 2>&1 || fail "public RSA"
write_both_cnf "$T/both.cnf"
export OPENSSL_CONF="$T/both.cnf"
ossl list -providers 2>/dev/null | grep -q 'se05x' || fail "the se05x provider is not active"
echo "data to sign" >"$T/data"

note "pkey -engine e4sss -inform ENGINE: public key of every key name"
for k in "ec:$T/ec.ref" "ec:nxp:0x7f000001" "ec:pkcs11:object=sss:7f000001;type=private" \
         "rsa:nxp:0x7f000002" "rsa:0x7f000002"; do
  kt=${k%%:*} id=${k#*:}
  ossl pkey -engine e4sss -inform ENGINE -in "$id" -pubout -out "$T/p.pub" 2>"$T/err" ||
    { cat "$T/err"; fail "pkey -inform ENGINE $id"; }
  same_pubkey "$T/p.pub" "$T/$kt.pub" || fail "pkey $id: not the chip's public key"
done

note "dgst -sign through the engine, verified with the chip's public key"
for k in "ec:$T/ec.ref" "ec:nxp:0x7f000001" "ec:pkcs11:object=sss:7f000001;type=private" \
         "rsa:nxp:0x7f000002"; do
  kt=${k%%:*} id=${k#*:}
  rm -f "$T/sig"
  ossl dgst -sha256 -engine e4sss -keyform engine -sign "$id" -out "$T/sig" "$T/data" 2>"$T/err" ||
    { cat "$T/err"; fail "dgst -sign $id"; }
  OPENSSL_CONF=/dev/null openssl dgst -sha256 -verify "$T/$kt.pub" -signature "$T/sig" "$T/data" \
    >/dev/null || fail "dgst $id: signature does not verify with the chip's key"
done

note "req -x509 with the ref file (the tutorial's certificate step)"
ossl req -new -x509 -subj /CN=Unit1 -engine e4sss -key "$T/ec.ref" -out "$T/cert.pem" 2>"$T/err" ||
  { cat "$T/err"; fail "req with the ref file"; }
OPENSSL_CONF=/dev/null cert_verifies_with "$T/cert.pem" "$T/ec.pub" || fail "certificate does not verify"

note "a key that is not on the chip: clear error"
expect_fail "missing key" ossl pkey -engine e4sss -inform ENGINE -in nxp:0x7f0000ee -pubout
assert_contains "$LAST_ERR" "7F0000EE" "missing key error"
echo "PASS"
