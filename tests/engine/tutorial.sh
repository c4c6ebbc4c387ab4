#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Mender/SE050 tutorial's OpenSSL part, step by step, on the emulator:
# seTool genECC / getRef, the tutorial's openssl.cnf, openssl req -engine
# e4sss -key <ref>. The certificate must verify with the chip's public key;
# without the engine the same command signs with the marker as if it were a
# private key and the signature does not verify (the failure the tutorial
# describes).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
sim_start

note "seTool genECC / getRef / getPublic"
seTool genECC 0x7f000001 >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; fail "seTool genECC"; }
seTool getRef 0x7f000001 "$T/0x7f000001.ref" >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 "$T/pub.pem" >/dev/null 2>&1 || fail "seTool getPublic"
grep -q "BEGIN PRIVATE KEY" "$T/0x7f000001.ref" || fail "ref key is not PKCS#8 PEM"

note "openssl.cnf as the tutorial writes it"
write_tutorial_cnf "$T/nxp_openssl.cnf"

note "openssl req -new -x509 -engine e4sss -key <ref> (tutorial command)"
OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-e4sss.pem" >"$T/req.out" 2>"$T/req.err" ||
  { cat "$T/req.err"; fail "openssl req with the engine"; }
[ ! -s "$T/req.out" ] || { cat "$T/req.out"; fail "something was printed on stdout"; }
cert_verifies_with "$T/cert-e4sss.pem" "$T/pub.pem" ||
  fail "certificate made through the engine does not verify with the chip's public key"
openssl x509 -in "$T/cert-e4sss.pem" -noout -subject | grep -q "CN *= *Unit1" || fail "subject"

note "the same with -sha384 and -sha512 (every digest size reaches the chip)"
for md in sha1 sha384 sha512; do
  OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
    -"$md" -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-$md.pem" 2>"$T/req.err" ||
    { cat "$T/req.err"; fail "openssl req -$md"; }
  cert_verifies_with "$T/cert-$md.pem" "$T/pub.pem" || fail "-$md certificate does not verify"
done

note "the same over raw T=1 (t1:HOST:PORT, the emulator's T=1 front end)"
EX_SSS_BOOT_SSS_PORT="t1:127.0.0.1:$SIM_PORT" OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload \
  openssl req -new -x509 -subj "/CN=Unit1" -engine e4sss -key "$T/0x7f000001.ref" \
  -out "$T/cert-t1.pem" 2>"$T/req.err" || { cat "$T/req.err"; fail "openssl req over T=1"; }
cert_verifies_with "$T/cert-t1.pem" "$T/pub.pem" || fail "T=1 certificate does not verify"
grep -q "(t1)" "$T/sim.log" || fail "the emulator saw no T=1 connection"

note "the ref key through the config alone (no -engine on the command line)"
OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -key "$T/0x7f000001.ref" -out "$T/cert-conf.pem" 2>"$T/req.err" || { cat "$T/req.err"; fail "req"; }
cert_verifies_with "$T/cert-conf.pem" "$T/pub.pem" || fail "config-only certificate does not verify"

note "-engine e4sss without any config (engine found in OPENSSL_ENGINES)"
OPENSSL_CONF=/dev/null with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-noconf.pem" 2>"$T/req.err" ||
  { cat "$T/req.err"; fail "req -engine without config"; }
cert_verifies_with "$T/cert-noconf.pem" "$T/pub.pem" || fail "-engine-only certificate does not verify"

note "software keys keep working in software with the engine configured"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/soft.pem" 2>/dev/null
openssl pkey -in "$T/soft.pem" -pubout -out "$T/soft.pub"
OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=soft" \
  -engine e4sss -key "$T/soft.pem" -out "$T/cert-soft.pem" 2>"$T/req.err" || { cat "$T/req.err"; fail "req soft"; }
cert_verifies_with "$T/cert-soft.pem" "$T/soft.pub" || fail "software-key certificate does not verify"

note "without the engine configured: the tutorial's failure (signature does not verify)"
mkdir -p "$T/no-engines"
OPENSSL_ENGINES="$T/no-engines" OPENSSL_CONF=/dev/null openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-noengine.pem" >/dev/null 2>&1 || true
[ -s "$T/cert-noengine.pem" ] || fail "openssl req without the engine made no certificate"
if cert_verifies_with "$T/cert-noengine.pem" "$T/pub.pem"; then
  fail "certificate signed without the engine verifies: the ref key cannot have been used in software"
fi
echo "PASS"
