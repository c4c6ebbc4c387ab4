#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Mender tutorial's commands verbatim with /dev/i2c-1 (through the
# i2c-dev LD_PRELOAD shim, the Raspberry Pi code path), and APDUs longer
# than one T=1 block (IFSC 254) both ways: RSA-4096 import + sign, a 2 KB
# certificate written and read back — over the shim and over t1:HOST:PORT.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start
unset EX_SSS_BOOT_SSS_PORT

note "seTool genECC / getRef / getPublic with /dev/i2c-1 on the command line"
shim seTool genECC 0x7f000001 /dev/i2c-1 >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; fail "seTool genECC"; }
grep -q "/dev/i2c-1" "$T/gen.log" || { cat "$T/gen.log"; fail "seTool did not report the port"; }
shim seTool getRef 0x7f000001 "$T/0x7f000001.ref" /dev/i2c-1 >/dev/null 2>&1 || fail "seTool getRef"
shim seTool getPublic 0x7f000001 "$T/pub.pem" /dev/i2c-1 >/dev/null 2>&1 || fail "seTool getPublic"
grep -q "BEGIN PRIVATE KEY" "$T/0x7f000001.ref" || fail "ref key is not PEM"

note "EX_SSS_BOOT_SSS_PORT=/dev/i2c-1: se05x sign, openssl verifies"
export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
head -c 3000 /dev/urandom >"$T/data"
shim se05x sign 0x7f000001 -i "$T/data" -o "$T/sig" || fail "se05x sign over /dev/i2c-1"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" >/dev/null ||
  fail "signature made over /dev/i2c-1 does not verify"
shim se05x verify 0x7f000001 -i "$T/data" -s "$T/sig" >/dev/null 2>&1 || fail "se05x verify over /dev/i2c-1"

if [ -f "$SE05X_LIBDIR/libsss_engine.so" ]; then
  note "openssl req -engine e4sss -key <ref> (the tutorial's test) over /dev/i2c-1"
  export OPENSSL_ENGINES="$SE05X_LIBDIR"
  OPENSSL_CONF=/dev/null shim with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
    -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-e4sss.pem" 2>"$T/req.err" ||
    { cat "$T/req.err"; fail "openssl req with the engine over /dev/i2c-1"; }
  openssl x509 -in "$T/cert-e4sss.pem" -noout -pubkey >"$T/cert.pub"
  cmp -s <(openssl pkey -pubin -in "$T/cert.pub" -outform DER) \
         <(openssl pkey -pubin -in "$T/pub.pem" -outform DER) || fail "certificate key differs"
  openssl verify -check_ss_sig -CAfile "$T/cert-e4sss.pem" "$T/cert-e4sss.pem" >/dev/null ||
    fail "engine certificate over /dev/i2c-1 does not verify"
fi

note "chained APDUs: RSA-4096 import and sign, 2 KB certificate"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$T/rsa.pem" 2>/dev/null
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub"
# a self-signed certificate padded past 2 KB with subjectAltNames
sans=$(for i in $(seq 1 60); do printf 'DNS:host-%03d.example.invalid,' "$i"; done)
openssl req -x509 -new -key "$T/rsa.pem" -subj "/CN=big" -days 2 -addext "subjectAltName=${sans%,}" \
  -out "$T/big.pem" 2>/dev/null
openssl x509 -in "$T/big.pem" -outform DER -out "$T/big.der"
size=$(stat -c %s "$T/big.der")
[ "$size" -gt 2048 ] || fail "test certificate only $size bytes"
for mode in shim tcp; do
  if [ $mode = tcp ]; then use_t1_tcp; run=(); else export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1; run=(shim); fi
  id=0x7f0000$([ $mode = tcp ] && echo 21 || echo 11)
  "${run[@]}" se05x import "$id" "$T/rsa.pem" --policy sign,verify,dec,read,delete >/dev/null ||
    fail "$mode: RSA-4096 import"
  "${run[@]}" se05x sign "$id" -i "$T/data" -o "$T/rsa.sig" || fail "$mode: RSA-4096 sign"
  [ "$(stat -c %s "$T/rsa.sig")" -eq 512 ] || fail "$mode: RSA-4096 signature size"
  openssl dgst -sha256 -verify "$T/rsa.pub" -signature "$T/rsa.sig" "$T/data" >/dev/null ||
    fail "$mode: RSA-4096 signature (512-byte chained answer) does not verify"
  cid=0x7f0000$([ $mode = tcp ] && echo 22 || echo 12)
  "${run[@]}" se05x cert write "$cid" "$T/big.pem" >/dev/null || fail "$mode: 2 KB certificate write"
  "${run[@]}" se05x cert read "$cid" -o "$T/back.der" || fail "$mode: certificate read"
  cmp -s "$T/big.der" "$T/back.der" || fail "$mode: certificate read back differs"
done
note "ok"
