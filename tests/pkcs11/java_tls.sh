#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Java SunPKCS11 (openjdk-17) on libsss_pkcs11.so: KeyStore "PKCS11", then a
# JSSE mutual-TLS client with the EC and with the RSA key, TLS 1.2 and 1.3,
# against openssl s_server -Verify (the Greengrass V2 HTTPS path); then the
# same with the chip-held PIN and a key bound to it, certificate from the token.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
command -v javac >/dev/null || fail "javac missing (openjdk-17-jdk-headless)"
# Under ASan the JVM runs with the preload; it handles SIGSEGV itself (implicit
# null checks, safepoints), so ASan must leave that signal alone.
JOPT=${ASAN_OPTIONS:-}
if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
  JOPT="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:allow_user_segv_handler=1"
  ASAN_OPTIONS=$JOPT foreign java -version >/dev/null 2>&1 ||
    { echo "SKIP: the JVM does not start under the ASan preload"; exit 77; }
fi
sim_start
p11_provision
mkdir -p "$T/java"
javac -d "$T/java" "$SE05X_SRC/tests/pkcs11/java/P11Tls.java" || fail "javac"

# server side: CA + server certificate; the server trusts the two device certificates
p11_test_ca
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=localhost \
  -keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -out "$T/srv.crt" 2>/dev/null
cat "$T/rsa.crt" "$T/ec.crt" >"$T/clients.pem"
# tls_server CAFILE NACCEPT LOG: openssl s_server on a free port ($port, pid
# $srv) for NACCEPT mutual-TLS clients whose certificates CAFILE verifies;
# returns once it accepts.
tls_server() {
  port=$(free_port)
  openssl s_server -accept "127.0.0.1:$port" -cert "$T/srv.crt" -key "$T/srv.key" -Verify 1 \
    -CAfile "$1" -verify_return_error -rev -naccept "$2" >"$3" 2>&1 &
  srv=$!
  _BG_PIDS+=("$srv")
  for _ in $(seq 1 100); do grep -q ACCEPT "$3" && break; sleep 0.05; done
}
tls_server "$T/clients.pem" 4 "$T/server.log"

cat >"$T/p11.cfg" <<CFG
name = SE05x
library = $MODULE
slot = 1
CFG
ASAN_OPTIONS=$JOPT foreign java -cp "$T/java" P11Tls "$T/p11.cfg" 1234 "$T/ca.crt" 127.0.0.1 "$port" \
  sss:20181002:TLSv1.3 sss:20181002:TLSv1.2 sss:20181001:TLSv1.3 sss:20181001:TLSv1.2 >"$T/java.out" 2>&1 \
  || { cat "$T/java.out" "$T/server.log" >&2; fail "java client"; }
cat "$T/java.out"
out=$(cat "$T/java.out")
assert_contains "$out" "OK sss:20181002 TLSv1.3" "EC TLS 1.3"
assert_contains "$out" "OK sss:20181002 TLSv1.2" "EC TLS 1.2"
assert_contains "$out" "OK sss:20181001 TLSv1.3" "RSA TLS 1.3 (RSASSA-PSS)"
assert_contains "$out" "OK sss:20181001 TLSv1.2" "RSA TLS 1.2"
assert_contains "$out" "provider=SunPKCS11-SE05x" "keys from SunPKCS11"
wait "$srv" 2>/dev/null || true
note "java SunPKCS11 + JSSE mutual TLS: ok"

# --- chip-held PIN (docs/pkcs11.md): a key generated through the token, bound to the PIN
# session, its certificate stored on the chip; KeyStore entry = key + certificate from the token ---
export SE05X_PKCS11_PIN_MODE=chip
p11() { foreign pkcs11-tool --module "$MODULE" "$@"; }
p11 --change-pin --pin 1234 --new-pin 97531 >/dev/null 2>&1 || fail "chip PIN: C_SetPIN"
p11 --login --pin 97531 --keypairgen --key-type EC:prime256v1 --label sss:20181007 >/dev/null 2>&1 ||
  fail "chip PIN: keypairgen"
se05x public 0x20181007 -o "$T/bound.pub.pem" || fail "chip PIN: public key"
p11_issue "$T/bound.pub.pem" se05x-bound-device "$T/bound.crt"
se05x cert write 0x20181008 "$T/bound.crt" >/dev/null || fail "chip PIN: cert write"
tls_server "$T/ca.crt" 2 "$T/server2.log"
ASAN_OPTIONS=$JOPT foreign java -cp "$T/java" P11Tls "$T/p11.cfg" 97531 "$T/ca.crt" 127.0.0.1 "$port" \
  sss:20181007:TLSv1.3 sss:20181007:TLSv1.2 >"$T/java2.out" 2>&1 \
  || { cat "$T/java2.out" "$T/server2.log" >&2; fail "java client, chip PIN"; }
cat "$T/java2.out"
out=$(cat "$T/java2.out")
assert_contains "$out" "OK sss:20181007 TLSv1.3" "chip PIN: EC TLS 1.3"
assert_contains "$out" "OK sss:20181007 TLSv1.2" "chip PIN: EC TLS 1.2"
out=$(se05x sign 0x20181007 -i "$T/p11.cfg" -o "$T/x.sig" 2>&1) && fail "chip PIN: se05x sign without the PIN"
assert_contains "$out" "denied by policy" "chip PIN: the bound key refused without the PIN"
wait "$srv" 2>/dev/null || true
note "java SunPKCS11 with the chip-held PIN, key and certificate from the token: ok"
