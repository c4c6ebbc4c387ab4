#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10: the seeds' commands verbatim with /dev/i2c-1 (through the i2c-dev
# LD_PRELOAD shim of the T=1 tests, the Raspberry Pi code path) against
# se05x-sim --variant F, which demands Platform SCP03, with keys of the test's
# own: the link is SCP03 (se05x info), and without keys the chip refuses;
# the AWS blog's ssscli lines (connect t1oi2c none with --auth_type PlatformSCP
# --scpkey, se05x reset, set ecc pair, disconnect) and a pkcs11-tool signature;
# the Mender tutorial's seTool genECC / getRef and openssl req -engine e4sss
# with its openssl.cnf; the provider with an nxp: URI. Every signature is
# verified with a public key in software.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/scp03/common.sh"
. "$SE05X_SRC/tests/t1/common.sh"
. "$SE05X_SRC/tests/engine/common.sh"

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
unset EX_SSS_BOOT_SSS_PORT EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf" # no system config
export SE05X_LOCK_DIR="$T" XDG_CONFIG_HOME="$T/config"
echo "signed over SCP03 on /dev/i2c-1" >"$T/msg"
# x cmd... — a program we did not build (openssl, pkcs11-tool) through the
# shim, bounded; with_asan_preload keeps the shim in LD_PRELOAD after the
# sanitizer runtime (t's preload would replace it).
x() { shim with_asan_preload timeout 60 "$@"; }

note "se05x info over /dev/i2c-1: without keys the chip refuses, naming SCP03"
EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 expect_fail "no keys" shim t se05x info
assert_contains "$LAST_ERR" "/dev/i2c-1 refused a command with SW 6982 on a plain link: the chip may require \
Platform SCP03; configure its keys with EX_SSS_BOOT_SCP03_PATH=KEYFILE" "no keys"

export EX_SSS_BOOT_SCP03_PATH="$T/keys.txt"
note "se05x info over /dev/i2c-1 with EX_SSS_BOOT_SCP03_PATH: link platform-scp03"
out=$(EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 shim t se05x info) || fail "se05x info with keys over /dev/i2c-1"
assert_contains "$out" "link:                       platform-scp03" "se05x info with keys"

# an object for the blog's reset to delete (so the reset is observable)
EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 shim t se05x generate ec 0x20181005 >/dev/null || fail "se05x generate"

note "AWS blog: ssscli connect se050 t1oi2c none --auth_type PlatformSCP --scpkey, reset, set ecc pair"
# the key file only through ssscli's connect, not the environment
unset EX_SSS_BOOT_SCP03_PATH
shim t ssscli connect se050 t1oi2c none --auth_type PlatformSCP --scpkey "$T/keys.txt" >/dev/null ||
  fail "ssscli connect se050 t1oi2c none --auth_type PlatformSCP"
grep -qx 'conn=/dev/i2c-1' "$XDG_CONFIG_HOME/se05x/ssscli-session" || fail "t1oi2c none is not /dev/i2c-1"
grep -qx "scpkey=$T/keys.txt" "$XDG_CONFIG_HOME/se05x/ssscli-session" || fail "connect state lacks the key file"
shim t ssscli se05x reset >/dev/null || fail "ssscli se05x reset"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/key.pem"
openssl pkey -in "$T/key.pem" -pubout -out "$T/key.pub.pem"
shim t ssscli set ecc pair 0x20181001 "$T/key.pem" || fail "ssscli set ecc pair 0x20181001"
shim t ssscli se05x readidlist >"$T/ids" || fail "ssscli se05x readidlist"
grep -q "^Key-Id: 0x20181001  EC_KEY_PAIR    NIST_P256$" "$T/ids" || fail "0x20181001 not on the chip: $(cat "$T/ids")"
grep -q "0x20181005" "$T/ids" && fail "ssscli se05x reset left 0x20181005 on the chip"
shim t ssscli disconnect || fail "ssscli disconnect"
# after disconnect no keys: the same ssscli line is refused by the chip
EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 expect_fail "ssscli without keys after disconnect" shim t ssscli se05x uid
assert_contains "$LAST_ERR" "ssscli: read UID: ReadObject (UID) of object 0x7FFF0206 on /dev/i2c-1: security \
status not satisfied (SW 6982); the chip may require Platform SCP03" "ssscli without keys"

export EX_SSS_BOOT_SCP03_PATH="$T/keys.txt" EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
note "pkcs11-tool --module libsss_pkcs11.so --login --pin 1234 --sign over /dev/i2c-1"
if command -v pkcs11-tool >/dev/null; then
  openssl dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"
  x pkcs11-tool --module "$SE05X_LIBDIR/libsss_pkcs11.so" --login --pin 1234 --sign \
    --mechanism ECDSA --id 20181001 -i "$T/msg.sha256" -o "$T/ksig" --signature-format openssl \
    >/dev/null 2>"$T/k.err" || { cat "$T/k.err"; fail "pkcs11-tool sign over /dev/i2c-1"; }
  # verified with the public half of the imported key file, in software
  openssl pkeyutl -verify -pubin -inkey "$T/key.pub.pem" -in "$T/msg.sha256" -sigfile "$T/ksig" >/dev/null ||
    fail "pkcs11 signature does not verify with the imported key"
else
  note "pkcs11-tool not installed: PKCS#11 part skipped"
fi

note "Mender tutorial: seTool genECC / getRef with /dev/i2c-1, openssl req -engine e4sss"
unset EX_SSS_BOOT_SSS_PORT # the tutorial gives the port on seTool's command line
ref="$T/0x7f000001.ref"
shim t seTool genECC 0x7f000001 /dev/i2c-1 >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; fail "seTool genECC"; }
shim t seTool getRef 0x7f000001 "$ref" /dev/i2c-1 >/dev/null 2>"$T/ref.err" || fail "seTool getRef"
grep -q "BEGIN PRIVATE KEY" "$ref" || fail "ref key is not PEM"
shim t seTool getPublic 0x7f000001 "$T/chip.pub" /dev/i2c-1 >/dev/null 2>"$T/pub.err" || fail "seTool getPublic"
# the engine reads the port from the environment, as in the tutorial's systemd lines
export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
write_tutorial_cnf "$T/nxp_openssl.cnf"
OPENSSL_CONF="$T/nxp_openssl.cnf" x openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$ref" -out "$T/cert.pem" 2>"$T/req.err" ||
  { cat "$T/req.err"; fail "openssl req -engine e4sss over /dev/i2c-1"; }
OPENSSL_CONF=/dev/null cert_verifies_with "$T/cert.pem" "$T/chip.pub" ||
  fail "device certificate does not verify with the chip's public key"

note "provider: openssl pkeyutl -provider se05x -inkey nxp:0x7f000001 over /dev/i2c-1"
OPENSSL_MODULES="$SE05X_LIBDIR" OPENSSL_CONF=/dev/null x openssl pkeyutl -provider se05x \
  -provider default -inkey nxp:0x7f000001 -sign -rawin -digest sha256 -in "$T/msg" -out "$T/psig" \
  2>"$T/p.err" || { cat "$T/p.err"; fail "provider sign over /dev/i2c-1"; }
openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey "$T/chip.pub" -in "$T/msg" -sigfile "$T/psig" \
  >/dev/null || fail "provider signature does not verify with the chip's public key"
echo "OK"
