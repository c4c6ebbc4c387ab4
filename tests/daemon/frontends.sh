#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every front end through se05xd, the chip side on Platform SCP03
# (se05x-sim --variant F) and the clients without keys: se05x, seTool,
# ssscli, the engine and the provider through openssl, the PKCS#11 module
# through pkcs11-tool. Signatures are checked with the public keys. A client
# that tries SCP03 itself is refused; --status and `se05x info` say "daemon".
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/daemon/common.sh"

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
CHIP="127.0.0.1:$SIM_PORT"
unset EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
echo "signed through se05xd" >"$T/msg"

note "without the daemon the clients (no keys) are refused by the chip"
expect_fail "keyless direct" t se05x -p "$CHIP" generate ec 0x7f000001
daemon_start --chip "$CHIP" --scp03-keys "$T/keys.txt" --auth platform-scp03
[ "$(status_field link)" = platform-scp03 ] || fail "daemon link is not platform-scp03"
[ "$(status_field state)" = serving ] || fail "daemon not serving"

note "se05x"
t se05x generate ec 0x7f000001 >/dev/null || fail "se05x generate"
t se05x public 0x7f000001 -o "$T/pub1.pem" >/dev/null || fail "se05x public"
t se05x sign 0x7f000001 -i "$T/msg" -o "$T/sig1" >/dev/null || fail "se05x sign"
openssl dgst -sha256 -verify "$T/pub1.pem" -signature "$T/sig1" "$T/msg" >/dev/null || fail "se05x signature"
out=$(t se05x info) || fail "se05x info"
assert_contains "$out" "unix:$DSOCK" "se05x info connection"
assert_contains "$out" "server:                     se05xd " "se05x info says it goes through the daemon"
assert_contains "$out" "chip link platform-scp03" "se05x info shows the daemon's link"
# a binary object bigger than one APDU: a multi-APDU transaction under LOCK
head -c 1500 /dev/urandom >"$T/blob"
t se05x write 0x7f000010 "$T/blob" >/dev/null || fail "se05x write (chunked)"
t se05x read 0x7f000010 -o "$T/blob.back" >/dev/null || fail "se05x read (chunked)"
cmp -s "$T/blob" "$T/blob.back" || fail "binary object read back differs"

note "seTool"
t seTool genECC 0x7f000002 >/dev/null || fail "seTool genECC"
t seTool getPublic 0x7f000002 "$T/pub2.pem" >/dev/null || fail "seTool getPublic"
t seTool getRef 0x7f000002 "$T/ref2.pem" >/dev/null || fail "seTool getRef"

note "ssscli (jrcpv1 unix:PATH)"
export XDG_CONFIG_HOME="$T/config"
t ssscli connect se050 jrcpv1 "unix:$DSOCK" >/dev/null || fail "ssscli connect"
EX_SSS_BOOT_SSS_PORT= t ssscli se05x uid | grep -q '^Unique ID: ' || fail "ssscli uid"
EX_SSS_BOOT_SSS_PORT= t ssscli generate ecc 0x20181002 NIST_P256 >/dev/null || fail "ssscli generate"
ssscli disconnect >/dev/null

note "engine (openssl -engine e4sss)"
if [ -f "$SE05X_LIBDIR/e4sss.so" ] || [ -f "$SE05X_LIBDIR/libsss_engine.so" ]; then
  OPENSSL_ENGINES="$SE05X_LIBDIR" OPENSSL_CONF=/dev/null with_asan_preload timeout 60 openssl dgst -sha256 \
    -engine e4sss -keyform engine -sign 0x7f000001 -out "$T/esig" "$T/msg" 2>"$T/e.err" ||
    { cat "$T/e.err"; fail "engine sign"; }
  openssl dgst -sha256 -verify "$T/pub1.pem" -signature "$T/esig" "$T/msg" >/dev/null || fail "engine signature"
else
  note "engine not built: skipped"
fi

note "provider (openssl -provider se05x), nxp: URI and a reference key"
for key in nxp:0x7f000002 "$T/ref2.pem"; do
  OPENSSL_MODULES="$SE05X_LIBDIR" with_asan_preload timeout 60 openssl pkeyutl -provider se05x -provider default \
    -sign -rawin -digest sha256 -inkey "$key" -in "$T/msg" -out "$T/psig" 2>"$T/p.err" ||
    { cat "$T/p.err"; fail "provider sign $key"; }
  openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey "$T/pub2.pem" -in "$T/msg" -sigfile "$T/psig" \
    >/dev/null || fail "provider signature ($key)"
done

note "PKCS#11 module through pkcs11-tool"
if command -v pkcs11-tool >/dev/null; then
  openssl dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"
  with_asan_preload timeout 60 pkcs11-tool --module "$SE05X_LIBDIR/libsss_pkcs11.so" \
    --login --pin 1234 --sign --mechanism ECDSA --id 20181002 -i "$T/msg.sha256" -o "$T/ksig" \
    --signature-format openssl >/dev/null 2>"$T/k.err" || { cat "$T/k.err"; fail "pkcs11-tool sign"; }
  t se05x public 0x20181002 -o "$T/pub3.pem" >/dev/null
  openssl pkeyutl -verify -pubin -inkey "$T/pub3.pem" -in "$T/msg.sha256" -sigfile "$T/ksig" >/dev/null ||
    fail "pkcs11 signature"
else
  note "pkcs11-tool not installed: PKCS#11 part skipped"
fi

note "an NXP-style JRCP v1 client (WAIT_FOR_CARD, card-manager SELECT, applet SELECT, commands)"
out=$(t python3 "$SE05X_SRC/tests/daemon/jrcp_client.py" nxp "$DSOCK") || fail "NXP-style client: $out"
assert_contains "$out" "applet SELECT 9000 7 data bytes" "NXP-style client SELECT"
assert_contains "$out" "GetVersion 9000" "NXP-style client GetVersion after a card-manager SELECT"
t se05x exists 0x7f000001 >/dev/null || fail "others after the card-manager SELECT"

note "a client with its own SCP03 keys is refused (the channel is the daemon's)"
EX_SSS_BOOT_SCP03_PATH="$T/keys.txt" expect_fail "client SCP03" t se05x info
grep -q "denied: .*GP INITIALIZE UPDATE" "$DLOG" || fail "no log line for the refused client SCP03"

note "--status counts, clean stop"
[ "$(status_field apdus)" -gt 20 ] || fail "apdus not counted"
daemon_stop
echo OK
