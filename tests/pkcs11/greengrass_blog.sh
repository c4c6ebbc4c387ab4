#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The AWS/NXP Greengrass blog (AWS Partner Network blog by AWS and NXP on
# EdgeLock SE050 with Greengrass; README worked example 2) step by step: provision with ssscli, delete the key files, then use the key only
# through libsss_pkcs11.so found by token label SSS_PKCS11, PIN 1234,
# object sss:20181001 (the Greengrass V1 privateKeyPath URI).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
sim_start

# The blog's lines run verbatim against /dev/i2c-1 when the i2c-dev shim of
# the T=1 tests is built (LD_PRELOAD maps /dev/i2c-1 onto the emulator: the
# Raspberry Pi code path); otherwise the same steps use JRCP v1.
SHIM_SO="$SE05X_BUILD/tests/libse05x_i2c_shim.so"
if [ -f "$SHIM_SO" ]; then
  export SE05X_LOCK_DIR="$T"
  unset EX_SSS_BOOT_SSS_PORT
  on_chip() {
    SE05X_SHIM_TARGET="127.0.0.1:$SIM_PORT" LD_PRELOAD="$SHIM_SO${LD_PRELOAD:+:$LD_PRELOAD}" \
      ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$@"
  }
  on_chip ssscli connect se050 t1oi2c none >/dev/null || fail "blog connect line"
  note "blog lines verbatim over /dev/i2c-1 (i2c shim)"
else
  on_chip() { "$@"; }
  ssscli connect se050 t1oi2c none >/dev/null || fail "blog connect line"
  grep -qx 'conn=/dev/i2c-1' "$XDG_CONFIG_HOME/se05x/ssscli-session" || fail "blog connect not stored"
  ssscli connect se05x jrcpv1 "127.0.0.1:$SIM_PORT" >/dev/null || fail "connect jrcpv1"
  note "no i2c shim: blog steps over JRCP v1"
fi
on_chip ssscli se05x reset >/dev/null || fail "se05x reset"

mkdir -p "$T/certs"
# On an ECC-only chip (SE05X_TEST_VARIANT=E, SE050E) the blog's key is an EC key.
kind=rsa; test_variant_has_rsa || kind=ecc
if [ $kind = rsa ]; then
  openssl genrsa -out "$T/certs/hash.private.key" 2048 2>/dev/null
else
  openssl ecparam -name prime256v1 -genkey -noout -out "$T/certs/hash.private.key"
fi
cp "$T/certs/hash.private.key" "$T/certs/hash.private.pem"
openssl pkey -in "$T/certs/hash.private.pem" -pubout -out "$T/rsa.pub.pem"
on_chip ssscli set $kind pair 0x20181001 "$T/certs/hash.private.pem" || fail "set $kind pair"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/certs/ecc-key.private.pem"
openssl pkey -in "$T/certs/ecc-key.private.pem" -pubout -out "$T/ec.pub.pem"
on_chip ssscli set ecc pair 0x20181002 "$T/certs/ecc-key.private.pem" || fail "set ecc pair"
rm -f "$T"/certs/*private*
want=RSA_KEY_PAIR; [ $kind = rsa ] || want=EC_KEY_PAIR
on_chip ssscli se05x readidlist | grep -q "0x20181001  $want" || fail "key not on the chip"
on_chip ssscli disconnect

# The module, as Greengrass V1 configures it: P11Provider + slotLabel + slotUserPin
uri="pkcs11:token=SSS_PKCS11;object=sss:20181001;type=private"
GNUTLS_PIN=1234 on_chip foreign p11tool --provider "$MODULE" --login --test-sign "$uri" >"$T/ts.out" 2>&1 \
  || { cat "$T/ts.out" >&2; fail "test-sign $uri"; }
grep -q "Verifying against public key in the token... ok" "$T/ts.out" || fail "p11tool did not verify"
# the signature from the chip verifies with the public key of the deleted file
echo "greengrass" >"$T/msg"
mech=SHA256-RSA-PKCS; fmt=(); [ $kind = rsa ] || { mech=ECDSA-SHA256; fmt=(--signature-format openssl); }
on_chip foreign pkcs11-tool --module "$MODULE" --token-label SSS_PKCS11 --login --pin 1234 --sign \
  --mechanism $mech "${fmt[@]}" --id 20181001 -i "$T/msg" -o "$T/sig" 2>/dev/null || fail "pkcs11-tool sign"
openssl dgst -sha256 -verify "$T/rsa.pub.pem" -signature "$T/sig" "$T/msg" >/dev/null || fail "$kind sig does not verify"
if [ $kind = ecc ]; then # the token of an ECC-only chip offers no RSA mechanism
  on_chip foreign pkcs11-tool --module "$MODULE" --token-label SSS_PKCS11 -M >"$T/mechs" 2>/dev/null || fail "list mechanisms"
  grep -q ECDSA "$T/mechs" || fail "no ECDSA mechanism listed"
  grep -qi RSA "$T/mechs" && fail "RSA mechanisms listed for an SE050E"
fi
# the ECC variant of the blog, same URI form
GNUTLS_PIN=1234 on_chip foreign p11tool --provider "$MODULE" --login --test-sign \
  "pkcs11:token=SSS_PKCS11;object=sss:20181002;type=private" >/dev/null 2>&1 || fail "test-sign ecc"
# exactly one private key answers the label (with or without 0x)
n=$(GNUTLS_PIN=1234 on_chip foreign p11tool --provider "$MODULE" --login --list-privkeys \
  "pkcs11:token=SSS_PKCS11;object=sss:0x20181001;type=private" 2>/dev/null | grep -c '^Object')
[ "$n" = 1 ] || fail "expected one private key for sss:0x20181001, got $n"
# the pre-4.4 byte-swapped label of the old Greengrass guide works only in the
# explicit migration mode
# (p11tool exiting on an error hangs in libp11-kit's destructor under the ASan
# preload, so the refusals are checked in the normal build only)
asan=${SE05X_SANITIZE:-0}
[ "$asan" = 1 ] || ! GNUTLS_PIN=1234 on_chip foreign p11tool --provider "$MODULE" --login --test-sign \
  "pkcs11:token=SSS_PKCS11;object=sss:01101820;type=private" >/dev/null 2>&1 || fail "swapped label without legacy mode"
SE05X_PKCS11_LEGACY_LABELS=1 GNUTLS_PIN=1234 on_chip foreign p11tool --provider "$MODULE" --login --test-sign \
  "pkcs11:token=SSS_PKCS11;object=sss:01101820;type=private" >/dev/null 2>&1 || fail "legacy label mode"
# the wrong PIN is refused
[ "$asan" = 1 ] || ! GNUTLS_PIN=0000 on_chip foreign p11tool --provider "$MODULE" --login --test-sign "$uri" \
  >/dev/null 2>&1 || fail "wrong PIN accepted"
note "greengrass blog flow: ok"
