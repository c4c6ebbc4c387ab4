#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real Mender client (Debian mender-client) through se05xd: the chip on
# Platform SCP03 behind the daemon, the device key generated with seTool, the
# certificate made and the authentication signed through the e4sss engine,
# all keyless through the daemon (tests/mender/mender_engine.sh, tutorial
# configuration, against the local HTTPS test server).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
. "$SE05X_SRC/tests/mender/mender_lib.sh"
. "$SE05X_SRC/tests/daemon/common.sh"
mender_prereqs

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
unset EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
daemon_start --chip "127.0.0.1:$SIM_PORT" --scp03-keys "$T/keys.txt" --auth platform-scp03
make_server_cert

seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 "$T/0x7f000001.ref" >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 "$T/chip.pub" >/dev/null 2>&1 || fail "seTool getPublic"
write_tutorial_cnf "$T/nxp_openssl.cnf"
OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-e4sss.pem" 2>"$T/err" ||
  { cat "$T/err"; fail "openssl req"; }
cert_verifies_with "$T/cert-e4sss.pem" "$T/chip.pub" || fail "device certificate does not verify"

start_https_server mtls --ca "$T/cert-e4sss.pem" --require-client-cert
write_mender_conf "$T/tutorial.conf" "$HTTPS_PORT" "$T/cert-e4sss.pem" "$T/0x7f000001.ref" e4sss
for i in 1 2; do
  rm -rf "$T/data"; mkdir -p "$T/data"
  run_mender "$T/tutorial.conf" "$T/data" "EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT" \
    "OPENSSL_CONF=$T/nxp_openssl.cnf" || { cat "$T/mender.log"; fail "mender bootstrap run $i"; }
  grep -q "successfully received new authorization data" "$T/mender.log" ||
    { cat "$T/mender.log"; fail "run $i not authorized"; }
done
[ "$(status_field link)" = platform-scp03 ] || fail "daemon not on SCP03"
note "Mender authorized twice with the chip key through se05xd"
daemon_stop
echo OK
