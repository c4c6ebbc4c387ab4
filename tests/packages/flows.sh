#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs INSIDE the clean Debian 12 root made by scripts/pkgtest, after
# `apt-get install ./*.deb`: the seeds' flows with the installed packages
# only, against the packaged emulator, verbatim over /dev/i2c-1 through the
# packaged I2C shim. Every check asserts a real outcome.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "-- $*"; }
W=$(mktemp -d /tmp/flows.XXXXXX)
SIM=
trap '[ -z "$SIM" ] || kill "$SIM" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT

ma=$(basename "$(dirname "$(ls /usr/lib/*/libsss_pkcs11.so)")")  # multiarch triplet
LIB=/usr/lib/$ma
SHIM=$LIB/se05x/libse05x_i2c_shim.so

note "installed layout"
for f in /usr/bin/se05x /usr/bin/seTool /usr/bin/ssscli /usr/bin/se05x-sim "$LIB/libse05x.so.0" \
         "$LIB/libsss_engine.so" "$LIB/engines-3/e4sss.so" "$LIB/ossl-modules/se05x.so" \
         "$LIB/libsss_pkcs11.so" "$SHIM" /usr/include/se05x/se05x.h "$LIB/pkgconfig/se05x.pc" \
         /usr/share/se05x/p11-kit/sss_pkcs11.module /lib/systemd/system/se05x-sim.service \
         /usr/lib/tmpfiles.d/se05x.conf /etc/se05x/se05x.conf; do
  [ -e "$f" ] || fail "not installed: $f"
done
for p in se05x.1 seTool.1 ssscli.1 se05x-sim.1; do
  [ -e "/usr/share/man/man1/$p.gz" ] || fail "man page $p not installed"
done
[ -e /usr/share/man/man5/se05x.conf.5.gz ] || fail "man page se05x.conf.5 not installed"
for t in se05x seTool ssscli se05x-sim; do
  "$t" --version | grep -qE "^$t [0-9]+\.[0-9]+\.[0-9]+$" || fail "$t --version"
done
# the example configuration: every key commented (an installed system has no settings yet)
! grep -vE '^[[:space:]]*(#|$)' /etc/se05x/se05x.conf || fail "/etc/se05x/se05x.conf sets a key"
for k in port auth scp03_keys scp03_kvn pkcs11_pin_mode pkcs11_pin_tries; do grep -q "^#$k = " /etc/se05x/se05x.conf || fail "key $k not shown"; done
dpkg-query -W -f='${Conffiles}\n' se05x-common | grep -q /etc/se05x/se05x.conf || fail "se05x.conf is not a conffile"
getent passwd se05x-sim >/dev/null || fail "no se05x-sim user for the service"
# bash completion for the three tools
for t in se05x seTool ssscli; do
  [ -e "/usr/share/bash-completion/completions/$t" ] || fail "no bash completion for $t"
done
# the daemon: program, man page, units (not enabled), its user and its clients' group
for f in /usr/sbin/se05xd /usr/share/man/man8/se05xd.8.gz /lib/systemd/system/se05xd.service \
         /lib/systemd/system/se05xd.socket; do
  [ -e "$f" ] || fail "not installed: $f"
done
se05xd --version | grep -qE "^se05xd [0-9]+\.[0-9]+\.[0-9]+$" || fail "se05xd --version"
getent passwd se05xd >/dev/null || fail "no se05xd user"
getent group se05x >/dev/null || fail "no se05x group for the daemon's clients"
grep -q '^ExecStart=/usr/bin/se05x-sim --state /var/lib/se05x-sim ' /lib/systemd/system/se05x-sim.service \
  || fail "unit ExecStart"
# the PKCS#11 module is not registered with p11-kit unless the admin opts in
[ ! -e /usr/share/p11-kit/modules/sss_pkcs11.module ] && [ ! -e /etc/pkcs11/modules/sss_pkcs11.module ] \
  || fail "module registered with p11-kit by default"
p11tool --list-tokens >"$W/tokens" 2>"$W/tokens.err" || fail "p11tool --list-tokens failed without a chip"
! grep -qi "sss\|se05x" "$W/tokens" "$W/tokens.err" || { cat "$W/tokens.err" >&2; fail "p11tool touches our module by default"; }

note "the emulator, as the package installs it"
mkdir -m 700 "$W/state"
se05x-sim --state "$W/state" --port 0 --port-file "$W/port" >"$W/sim.log" 2>&1 &
SIM=$!
for _ in $(seq 1 300); do [ -s "$W/port" ] && break; kill -0 $SIM || { cat "$W/sim.log" >&2; fail "emulator died"; }; sleep 0.05; done
[ -s "$W/port" ] || fail "emulator did not listen"
PORT=$(cat "$W/port")
# the seeds' device path /dev/i2c-1, mapped onto the emulator by the packaged shim
export SE05X_SHIM_TARGET=127.0.0.1:$PORT
export LD_PRELOAD=$SHIM

note "Mender tutorial: seTool + reference key + e4sss engine (verbatim, /dev/i2c-1)"
seTool genECC 0x7f000001 /dev/i2c-1
seTool getRef 0x7f000001 /tmp/0x7f000001.ref /dev/i2c-1
seTool getPublic 0x7f000001 "$W/pub.pem" /dev/i2c-1
cp /usr/lib/ssl/openssl.cnf /etc/ssl/nxp_openssl.cnf
sed -i 's/^openssl_conf = .*/openssl_conf = nxp_engine/' /etc/ssl/nxp_openssl.cnf
grep -q '^openssl_conf = nxp_engine' /etc/ssl/nxp_openssl.cnf || sed -i '1i openssl_conf = nxp_engine' /etc/ssl/nxp_openssl.cnf
# the tutorial's dynamic_path = /usr/local/lib/libsss_engine.so, packaged path
cat >>/etc/ssl/nxp_openssl.cnf <<CNF
[nxp_engine]
engines = engine_section

[ engine_section ]
e4sss_se050 = e4sss_se050_section

[ e4sss_se050_section ]
dynamic_path = $LIB/libsss_engine.so
engine_id = e4sss
init = 1
default_algorithms = RSA,RAND,EC
CNF
(
  export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
  export OPENSSL_CONF=/etc/ssl/nxp_openssl.cnf
  openssl req -new -x509 -subj "/CN=Unit1" -engine e4sss -key /tmp/0x7f000001.ref -out /tmp/cert-e4sss.pem
) || fail "openssl req with the engine"
# the certificate carries the chip's key and its self-signature verifies (software OpenSSL)
[ "$(openssl x509 -in /tmp/cert-e4sss.pem -noout -pubkey)" = "$(cat "$W/pub.pem")" ] || fail "cert key is not the chip key"
openssl verify -CAfile /tmp/cert-e4sss.pem /tmp/cert-e4sss.pem >/dev/null || fail "cert signature does not verify"
# found by id through OpenSSL's engines directory, no dynamic_path
EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 openssl engine -t e4sss | grep -q available || fail "engine e4sss by id"

note "OpenSSL 3 provider se05x"
echo "provider message" >"$W/msg"
EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 openssl pkeyutl -provider se05x -provider default -inkey nxp:0x7f000001 \
  -sign -rawin -digest sha256 -in "$W/msg" -out "$W/msg.sig" || fail "provider sign"
openssl pkeyutl -verify -pubin -inkey "$W/pub.pem" -rawin -digest sha256 -in "$W/msg" -sigfile "$W/msg.sig" \
  >/dev/null || fail "provider signature does not verify"

note "Greengrass blog: ssscli + PKCS#11 module (verbatim, /dev/i2c-1)"
mkdir -p ~/SE050/certs
openssl ecparam -name prime256v1 -genkey -noout -out ~/SE050/certs/hash.private.pem
openssl pkey -in ~/SE050/certs/hash.private.pem -pubout -out "$W/gg.pub.pem"
ssscli connect se050 t1oi2c none >/dev/null
ssscli se05x reset >/dev/null
ssscli set ecc pair 0x20181001 ~/SE050/certs/hash.private.pem
ssscli disconnect >/dev/null
rm ~/SE050/certs/hash.private.pem
export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
pkcs11-tool --module "$LIB/libsss_pkcs11.so" -L | grep -q SSS_PKCS11 || fail "pkcs11-tool -L: no SSS_PKCS11"
echo "greengrass" >"$W/gg.msg"
pkcs11-tool --module "$LIB/libsss_pkcs11.so" --token-label SSS_PKCS11 --login --pin 1234 --sign \
  --mechanism ECDSA-SHA256 --signature-format openssl --id 20181001 -i "$W/gg.msg" -o "$W/gg.sig" 2>/dev/null \
  || fail "pkcs11-tool sign"
openssl dgst -sha256 -verify "$W/gg.pub.pem" -signature "$W/gg.sig" "$W/gg.msg" >/dev/null \
  || fail "PKCS#11 signature does not verify with the deleted key's public key"
# opting in to the p11-kit registration (docs/packaging.md), then out again
mkdir -p /etc/pkcs11/modules
ln -s /usr/share/se05x/p11-kit/sss_pkcs11.module /etc/pkcs11/modules/sss_pkcs11.module
p11tool --list-tokens 2>/dev/null | grep -q "SSS_PKCS11" || fail "opt-in registration: token not listed"
rm /etc/pkcs11/modules/sss_pkcs11.module

note "all flows passed"
