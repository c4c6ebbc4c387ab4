#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Platform SCP03 through every front end against se05x-sim --variant F (SCP03
# mandatory) with keys of the test's own, over JRCP and over T=1 (TCP):
# se05x, seTool, ssscli (connect --auth_type PlatformSCP --scpkey), the engine
# and the provider through openssl, the PKCS#11 module through pkcs11-tool.
# Keys given by EX_SSS_BOOT_SCP03_PATH, by scp03_keys in the config file and by
# ssscli's connect state. Then the failures: no keys, wrong keys, a malformed
# key file, auth = none - each a clear message, exit 1, no hang.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/scp03/common.sh"

scp_keys "$T/keys.txt"
scp_keys "$T/other.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
JRCP="127.0.0.1:$SIM_PORT"
T1="t1:127.0.0.1:$SIM_PORT"
unset EX_SSS_BOOT_SSS_PORT
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf" # no system config
export SE05X_LOCK_DIR="$T"
echo "signed over SCP03" >"$T/msg"

note "no keys: the chip demands SCP03 and the message says how to configure it"
expect_fail "no keys" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "Platform SCP03" "no keys"
assert_contains "$LAST_ERR" "EX_SSS_BOOT_SCP03_PATH" "no keys"
assert_contains "$LAST_ERR" "scp03_keys" "no keys"
out=$(se05x -p "$JRCP" info 2>/dev/null || true)
assert_contains "$out" "link:                       plain" "info on a plain link"
SE05X_AUTH=platform-scp03 expect_fail "auth platform-scp03 without keys" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "no keys configured" "platform-scp03 without keys"

export EX_SSS_BOOT_SCP03_PATH="$T/keys.txt"
for conn in "$JRCP" "$T1"; do
  note "se05x over $conn"
  export EX_SSS_BOOT_SSS_PORT="$conn"
  out=$(t se05x info) || fail "se05x info over $conn"
  assert_contains "$out" "link:                       platform-scp03" "se05x info"
  case "$out" in *"$(grep ENC "$T/keys.txt" | cut -d' ' -f2)"*) fail "info printed a key" ;; esac
  id=0x7f0000$([ "$conn" = "$JRCP" ] && echo 01 || echo 11)
  t se05x generate ec "$id" >/dev/null || fail "generate over $conn"
  t se05x public "$id" -o "$T/pub.pem" >/dev/null || fail "public over $conn"
  t se05x sign "$id" -i "$T/msg" -o "$T/sig" >/dev/null || fail "sign over $conn"
  openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null || fail "signature over $conn"
done
export EX_SSS_BOOT_SSS_PORT="$JRCP"

note "seTool with the keys from the config file (scp03_keys = ...), over T=1"
unset EX_SSS_BOOT_SCP03_PATH
printf 'port = %s\nscp03_keys = %s\nscp03_kvn = 0B\nauth = auto\n' "$T1" "$T/keys.txt" >"$T/se05x.conf"
SE05X_CONF="$T/se05x.conf" EX_SSS_BOOT_SSS_PORT= t seTool genECC 0x7f000002 >/dev/null || fail "seTool genECC"
SE05X_CONF="$T/se05x.conf" EX_SSS_BOOT_SSS_PORT= t seTool getPublic 0x7f000002 "$T/p2.pem" >/dev/null || fail "seTool getPublic"
SE05X_CONF="$T/se05x.conf" EX_SSS_BOOT_SSS_PORT= t seTool getRef 0x7f000002 "$T/r2.pem" >/dev/null || fail "seTool getRef"
# auth = none in the config wins over configured keys: plain, refused by the chip
printf 'scp03_keys = %s\nauth = none\n' "$T/keys.txt" >"$T/none2.conf"
SE05X_CONF="$T/none2.conf" expect_fail "auth = none" t seTool getPublic 0x7f000002 "$T/x.pem"
# a key version the chip does not have: the chip's refusal, named
printf 'scp03_keys = %s\nscp03_kvn = 0C\n' "$T/keys.txt" >"$T/kvn.conf"
SE05X_CONF="$T/kvn.conf" expect_fail "wrong key version" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "INITIALIZE UPDATE with key version 0C" "wrong key version"
printf 'scp03_keys = %s\nscp03_kvn = 0x80\n' "$T/keys.txt" >"$T/kvn2.conf"
SE05X_CONF="$T/kvn2.conf" expect_fail "bad key version" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "bad scp03_kvn '0x80'" "bad key version"
printf 'auth = sometimes\n' >"$T/bad.conf"
SE05X_CONF="$T/bad.conf" expect_fail "bad auth value" t se05x info
assert_contains "$LAST_ERR" "bad auth 'sometimes'" "bad auth value"

note "ssscli connect --auth_type PlatformSCP --scpkey, jrcpv1 and t1oi2c"
export XDG_CONFIG_HOME="$T/config"
for m in "jrcpv1 $JRCP" "t1oi2c 127.0.0.1:$SIM_PORT"; do
  set -- $m
  t ssscli connect se050 "$1" "$2" --auth_type PlatformSCP --scpkey "$T/keys.txt" >/dev/null || fail "ssscli connect $1"
  grep -q "^scpkey=$T/keys.txt$" "$XDG_CONFIG_HOME/se05x/ssscli-session" || fail "connect state lacks the key file"
  if grep -q "$(grep ENC "$T/keys.txt" | cut -d' ' -f2)" "$XDG_CONFIG_HOME/se05x/ssscli-session"; then
    fail "connect state holds key material"
  fi
  EX_SSS_BOOT_SSS_PORT= t ssscli se05x uid | grep -q '^Unique ID: ' || fail "ssscli uid over $1"
done
EX_SSS_BOOT_SSS_PORT= t ssscli generate ecc 0x20181002 NIST_P256 >/dev/null || fail "ssscli generate"
expect_fail "ssscli PlatformSCP without --scpkey" t ssscli connect se050 jrcpv1 "$JRCP" --auth_type PlatformSCP
expect_fail "ssscli malformed --scpkey" t ssscli connect se050 jrcpv1 "$JRCP" --auth_type PlatformSCP --scpkey /dev/null
t ssscli connect se050 jrcpv1 "$JRCP" --auth_type PlatformSCP --scpkey "$T/other.txt" >/dev/null
EX_SSS_BOOT_SSS_PORT= expect_fail "ssscli wrong keys" t ssscli se05x uid
assert_contains "$LAST_ERR" "card cryptogram mismatch" "ssscli wrong keys"
ssscli disconnect

export EX_SSS_BOOT_SCP03_PATH="$T/keys.txt"
note "engine (openssl -engine e4sss) over T=1"
export OPENSSL_ENGINES="$SE05X_LIBDIR" OPENSSL_CONF=/dev/null
EX_SSS_BOOT_SSS_PORT="$T1" t openssl dgst -sha256 -engine e4sss -keyform engine \
  -sign 0x7f000001 -out "$T/esig" "$T/msg" 2>"$T/e.err" || { cat "$T/e.err"; fail "engine sign"; }
t se05x public 0x7f000001 -o "$T/pub1.pem" >/dev/null
openssl dgst -sha256 -verify "$T/pub1.pem" -signature "$T/esig" "$T/msg" >/dev/null || fail "engine signature"

note "provider (openssl -provider se05x) over JRCP, a ref key and an nxp: URI"
export OPENSSL_MODULES="$SE05X_LIBDIR"
for key in nxp:0x7f000002 "$T/r2.pem"; do
  t openssl pkeyutl -provider se05x -provider default -sign -rawin -digest sha256 \
    -inkey "$key" -in "$T/msg" -out "$T/psig" 2>"$T/p.err" || { cat "$T/p.err"; fail "provider sign $key"; }
  openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey "$T/p2.pem" -in "$T/msg" -sigfile "$T/psig" \
    >/dev/null || fail "provider signature ($key)"
done

note "PKCS#11 module through pkcs11-tool, over T=1"
if command -v pkcs11-tool >/dev/null; then
  openssl dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"
  EX_SSS_BOOT_SSS_PORT="$T1" t pkcs11-tool --module "$SE05X_LIBDIR/libsss_pkcs11.so" \
    --login --pin 1234 --sign --mechanism ECDSA --id 20181002 -i "$T/msg.sha256" -o "$T/ksig" \
    --signature-format openssl >/dev/null 2>"$T/k.err" || { cat "$T/k.err"; fail "pkcs11-tool sign"; }
  t se05x public 0x20181002 -o "$T/pub3.pem" >/dev/null
  openssl pkeyutl -verify -pubin -inkey "$T/pub3.pem" -in "$T/msg.sha256" -sigfile "$T/ksig" >/dev/null ||
    fail "pkcs11 signature"
else
  note "pkcs11-tool not installed: PKCS#11 part skipped"
fi

note "wrong keys, a malformed key file, a world-writable key file: clear, exit 1"
for fe in "se05x info" "seTool getPublic 0x7f000002 $T/y.pem"; do
  EX_SSS_BOOT_SCP03_PATH="$T/other.txt" expect_fail "wrong keys ($fe)" t $fe
  assert_contains "$LAST_ERR" "SCP03 authentication failed (card cryptogram mismatch): wrong keys for this chip?" "$fe"
done
EX_SSS_BOOT_SCP03_PATH="$T/other.txt" expect_fail "wrong keys (provider)" t openssl pkeyutl \
  -provider se05x -provider default -sign -rawin -digest sha256 -inkey nxp:0x7f000002 -in "$T/msg" -out "$T/x"
printf '# keys\nENC 000102030405060708090A0B0C0D0E0F\nMAC 0001\n' >"$T/mal.txt"
chmod 600 "$T/mal.txt"
EX_SSS_BOOT_SCP03_PATH="$T/mal.txt" expect_fail "malformed key file" t se05x info
assert_contains "$LAST_ERR" "$T/mal.txt:3: the MAC key has 4 hex digits" "malformed key file"
cp "$T/keys.txt" "$T/ww.txt" && chmod 666 "$T/ww.txt"
EX_SSS_BOOT_SCP03_PATH="$T/ww.txt" expect_fail "world-writable key file" t se05x info
assert_contains "$LAST_ERR" "writable by group/others" "world-writable key file"
cp "$T/keys.txt" "$T/wr.txt" && chmod 644 "$T/wr.txt"
EX_SSS_BOOT_SCP03_PATH="$T/wr.txt" t se05x info >/dev/null 2>"$T/wr.err" || fail "0644 key file refused"
assert_contains "$(cat "$T/wr.err")" "readable by group/others" "0644 key file warning"
echo "OK"
