#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No answer taken on trust (docs/verify-after-sign.md), through every front
# end: the engine (openssl req / pkeyutl with e4sss), the provider (openssl
# pkeyutl -provider se05x), the PKCS#11 module (pkcs11-tool --sign) and
# `se05x sign`.
#  1. A man in the middle (flip_proxy.py) flips one bit of the signature in
#     every ECDSASign / RSADecrypt answer: each front end fails with "signature
#     from the chip failed verification: bad answer from chip or link" and
#     writes no signature.
#  2. A stale reference key (key deleted and generated again under the same
#     id): each front end fails with "reference key file does not match the
#     key in 0x7F000001: regenerated?" (PKCS#11, which has no reference key
#     files: its cached public key of the object, CKR_KEY_CHANGED).
. "$SE05X_HELPERS/lib.sh"
ENGINE_SO="$SE05X_LIBDIR/libsss_engine.so"
PROV_SO="$SE05X_LIBDIR/se05x.so"
MODULE="$SE05X_LIBDIR/libsss_pkcs11.so"
for f in "$ENGINE_SO" "$PROV_SO" "$MODULE"; do [ -f "$f" ] || fail "not built: $f"; done
export OPENSSL_ENGINES="$SE05X_LIBDIR" OPENSSL_MODULES="$SE05X_LIBDIR" OPENSSL_CONF=/dev/null
export XDG_CONFIG_HOME="$T/config"
ossl() { with_asan_preload openssl "$@"; }
p11() {
  if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
    LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 "$@"
  else
    timeout 120 "$@"
  fi
}
BAD="signature from the chip failed verification: bad answer from chip or link"
STALE="reference key file does not match the key in 0x7F000001: regenerated?"

sim_start sim
DIRECT=$EX_SSS_BOOT_SSS_PORT
se05x generate ec 0x7f000001 >/dev/null 2>&1 || fail "generate EC"
se05x generate rsa 0x7f000002 --bits 2048 >/dev/null 2>&1 || fail "generate RSA"
se05x refkey 0x7f000001 -o "$T/ec.ref" >/dev/null 2>&1 || fail "refkey EC"
se05x refkey 0x7f000002 -o "$T/rsa.ref" >/dev/null 2>&1 || fail "refkey RSA"
se05x public 0x7f000001 -o "$T/ec.pub" >/dev/null 2>&1 || fail "public EC"
echo "verify-after-sign" >"$T/msg"
openssl dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"

note "sanity: the engine signs with the ref key when nobody tampers"
ossl req -new -x509 -subj /CN=ok -engine e4sss -key "$T/ec.ref" -out "$T/ok.crt" 2>"$T/ok.err" ||
  fail "engine req without tampering: $(cat "$T/ok.err")"

# the man in the middle
rm -f "$T/proxy.port" "$T/flips"
bg python3 "$SE05X_SRC/tests/verify/flip_proxy.py" --upstream "$DIRECT" --port-file "$T/proxy.port" \
  --count-file "$T/flips"
for i in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.05; done
[ -s "$T/proxy.port" ] || fail "proxy did not start"
export EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(cat "$T/proxy.port")"

# tampered NAME cmd... — the command fails, says BAD, writes no output file
# $T/out.sig, and the proxy did flip at least one more answer
tampered() {
  local what=$1 before; shift
  before=$(cat "$T/flips" 2>/dev/null || echo 0)
  rm -f "$T/out.sig" "$T/out.crt"
  expect_fail "$what" "$@"
  assert_contains "$LAST_ERR" "$BAD" "$what"
  assert_contains "$LAST_ERR" "0x7F00000" "$what names the object"
  [ ! -s "$T/out.sig" ] && [ ! -s "$T/out.crt" ] || fail "$what: a signature was written"
  [ "$(cat "$T/flips" 2>/dev/null || echo 0)" -gt "$before" ] || fail "$what: the proxy changed nothing"
  echo "ok: $what"
  grep -m2 -e "$BAD" <<<"$LAST_ERR" | sed 's/^/     /'
}

note "1. a bit flipped in the chip's signature"
tampered "engine: openssl req, EC ref key" \
  ossl req -new -x509 -subj /CN=mitm -engine e4sss -key "$T/ec.ref" -out "$T/out.crt"
tampered "engine: openssl pkeyutl -sign, RSA ref key" \
  ossl pkeyutl -sign -engine e4sss -inkey "$T/rsa.ref" -pkeyopt digest:sha256 -in "$T/msg.sha256" -out "$T/out.sig"
tampered "provider: openssl pkeyutl -sign, EC ref key" \
  ossl pkeyutl -provider se05x -provider default -sign -rawin -digest sha256 -inkey "$T/ec.ref" \
  -in "$T/msg" -out "$T/out.sig"
tampered "provider: openssl pkeyutl -sign, RSA-PSS by id" \
  ossl pkeyutl -provider se05x -provider default -sign -rawin -digest sha256 -inkey nxp:0x7f000002 \
  -pkeyopt rsa_padding_mode:pss -in "$T/msg" -out "$T/out.sig"
tampered "pkcs11: pkcs11-tool --sign ECDSA" \
  p11 pkcs11-tool --module "$MODULE" --login --pin 1234 --sign --mechanism ECDSA --id 7f000001 \
  -i "$T/msg.sha256" -o "$T/out.sig"
tampered "pkcs11: pkcs11-tool --sign SHA256-RSA-PKCS" \
  p11 pkcs11-tool --module "$MODULE" --login --pin 1234 --sign --mechanism SHA256-RSA-PKCS --id 7f000002 \
  -i "$T/msg" -o "$T/out.sig"
tampered "tool: se05x sign by id (EC)" se05x sign 0x7f000001 -i "$T/msg" -o "$T/out.sig"
tampered "tool: se05x sign with the ref key (RSA)" se05x sign "$T/rsa.ref" -i "$T/msg" -o "$T/out.sig"

note "2. a stale reference key: deleted and generated again under the same id"
export EX_SSS_BOOT_SSS_PORT=$DIRECT
# PKCS#11 first: the module learns the public key, then the key is replaced
p11 "$SE05X_BUILD/tests/p11_stale" "$MODULE" 7f000001 \
  "se05x delete 0x7f000001 >/dev/null 2>&1 && se05x generate ec 0x7f000001 >/dev/null 2>&1" \
  >"$T/p11.out" 2>"$T/p11.err" || fail "pkcs11: C_Sign with a replaced key: $(cat "$T/p11.out" "$T/p11.err")"
assert_contains "$(cat "$T/p11.err")" "public key of the PKCS#11 key object does not match the key in 0x7F000001: regenerated?" "pkcs11 stale"
echo "ok: pkcs11: C_Sign after the key was replaced: CKR_KEY_CHANGED"
grep -m1 -F -e "regenerated?" "$T/p11.err" | sed 's/^/     /' 
# ec.ref now names a key that is no longer there
stale() {
  local what=$1; shift
  rm -f "$T/out.sig" "$T/out.crt"
  expect_fail "$what" "$@"
  assert_contains "$LAST_ERR" "$STALE" "$what"
  [ ! -s "$T/out.sig" ] && [ ! -s "$T/out.crt" ] || fail "$what: a signature was written"
  echo "ok: $what"
  grep -m2 -F -e "regenerated?" <<<"$LAST_ERR" | sed 's/^/     /'
}
stale "engine: openssl req with the old ref key" \
  ossl req -new -x509 -subj /CN=stale -engine e4sss -key "$T/ec.ref" -out "$T/out.crt"
stale "provider: openssl pkeyutl with the old ref key" \
  ossl pkeyutl -provider se05x -provider default -sign -rawin -digest sha256 -inkey "$T/ec.ref" \
  -in "$T/msg" -out "$T/out.sig"
stale "tool: se05x sign with the old ref key" se05x sign "$T/ec.ref" -i "$T/msg" -o "$T/out.sig"

note "3. with a fresh reference key everything signs again, and the result verifies"
se05x refkey 0x7f000001 -o "$T/ec2.ref" >/dev/null 2>&1 || fail "refkey"
se05x public 0x7f000001 -o "$T/ec2.pub" >/dev/null 2>&1 || fail "public"
ossl req -new -x509 -subj /CN=fresh -engine e4sss -key "$T/ec2.ref" -out "$T/fresh.crt" 2>"$T/f.err" ||
  fail "req with the fresh ref key: $(cat "$T/f.err")"
openssl x509 -in "$T/fresh.crt" -noout -pubkey >"$T/fresh.pub"
openssl verify -CAfile "$T/fresh.crt" "$T/fresh.crt" >/dev/null || fail "fresh certificate does not verify"
se05x sign "$T/ec2.ref" -i "$T/msg" -o "$T/fresh.sig" 2>"$T/f.err" || fail "se05x sign: $(cat "$T/f.err")"
openssl dgst -sha256 -verify "$T/ec2.pub" -signature "$T/fresh.sig" "$T/msg" >/dev/null ||
  fail "fresh signature does not verify"
echo "PASS"
