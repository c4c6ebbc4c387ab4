#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lazy and harmless: a process that loads the engine through the config
# (init = 1) but only uses file keys never opens the chip. The "chip" port is
# a listener that records every connection; it must see none. With RAND in
# default_algorithms (the tutorial's config) and nothing listening at all,
# file-key work still succeeds (RAND falls back to OpenSSL's DRBG).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
API="$SE05X_TESTS_DIR/engine_api"
make_server_cert

# a TCP listener that only counts connections
rm -f "$T/conns" "$T/listen.port"
bg python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); open(sys.argv[2], "a").write("connection\n"); c.close()
' "$T/listen.port" "$T/conns"
for i in $(seq 1 100); do [ -s "$T/listen.port" ] && break; sleep 0.05; done
export EX_SSS_BOOT_SSS_PORT=127.0.0.1:$(cat "$T/listen.port")

openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl pkey -in "$T/ec.pem" -pubout -out "$T/ec.pub"
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub"

file_key_work() { # file_key_work CONF — certificates, signatures, a TLS session, all with file keys
  local conf=$1 kt port
  for kt in ec rsa; do
    OPENSSL_CONF=$conf with_asan_preload openssl req -new -x509 -subj /CN=soft -key "$T/$kt.pem" \
      -out "$T/$kt.crt" 2>"$T/err" || { cat "$T/err"; fail "req with $kt file key ($conf)"; }
    cert_verifies_with "$T/$kt.crt" "$T/$kt.pub" || fail "file-key certificate does not verify ($conf)"
  done
  OPENSSL_CONF=$conf with_asan_preload openssl dgst -sha256 -sign "$T/ec.pem" -out "$T/sig" "$T/ec.pub" ||
    fail "dgst -sign ($conf)"
  openssl dgst -sha256 -verify "$T/ec.pub" -signature "$T/sig" "$T/ec.pub" >/dev/null || fail "verify ($conf)"
  rm -f "$T/srv.out" # a stale ACCEPT line must not be read before the new server starts
  bg env "${ASAN_ENV[@]}" OPENSSL_CONF="$conf" openssl s_server -accept 127.0.0.1:0 -cert "$T/srv.crt" -key "$T/srv.key" \
    -Verify 1 -CAfile "$T/rsa.crt" -naccept 1 -www >"$T/srv.out" 2>&1 </dev/null
  local spid=${_BG_PIDS[-1]} # registered: killed at exit if a failure leaves it waiting
  wait_accept "$T/srv.out" || fail "s_server"
  printf 'GET / HTTP/1.0\r\n\r\n' | OPENSSL_CONF=$conf with_asan_preload openssl s_client \
    -connect "127.0.0.1:$S_SERVER_PORT" -cert "$T/rsa.crt" -key "$T/rsa.pem" -CAfile "$T/srv.crt" \
    -verify_return_error -ign_eof >"$T/cli.out" 2>&1 || { cat "$T/cli.out"; fail "s_client ($conf)"; }
  wait $spid || true
  grep -q "^Client certificate" "$T/cli.out" || { cat "$T/cli.out" "$T/srv.out"; fail "TLS with file keys ($conf)"; }
}

note "engine loaded by config (RSA,EC, init = 1), file keys only: no connection to the chip"
write_tutorial_cnf "$T/norand.cnf" RSA,EC
file_key_work "$T/norand.cnf"
OPENSSL_CONF="$T/norand.cnf" with_asan_preload "$API" soft >/dev/null || fail "engine_api soft"
[ ! -s "$T/conns" ] || fail "the chip port was opened $(wc -l <"$T/conns") time(s) by file-key work"

note "tutorial config (RSA,RAND,EC): loading alone opens nothing"
write_tutorial_cnf "$T/nxp.cnf"
OPENSSL_CONF="$T/nxp.cnf" with_asan_preload openssl x509 -in "$T/ec.crt" -noout -subject >/dev/null ||
  fail "openssl x509 with the tutorial config"
OPENSSL_CONF="$T/nxp.cnf" with_asan_preload openssl engine e4sss >/dev/null 2>&1 || fail "openssl engine e4sss"
[ ! -s "$T/conns" ] || fail "loading the engine opened the chip port"

note "RAND goes to the chip only when default_algorithms lists it"
sim_start
SE05X_LOG=debug OPENSSL_CONF="$T/nxp.cnf" with_asan_preload openssl rand -hex 16 >/dev/null 2>"$T/rand.err" ||
  fail "openssl rand with the tutorial config"
grep -q "engine debug: session open" "$T/rand.err" || fail "RAND listed, but the chip was not used"
SE05X_LOG=debug OPENSSL_CONF="$T/norand.cnf" with_asan_preload openssl rand -hex 16 >/dev/null 2>"$T/rand.err" ||
  fail "openssl rand without RAND listed"
! grep -q "engine debug: session open" "$T/rand.err" || fail "RAND not listed, but the chip was used"

note "tutorial config, nothing listening on the chip port: file keys still work"
export EX_SSS_BOOT_SSS_PORT=127.0.0.1:$(free_port)
file_key_work "$T/nxp.cnf"
echo "PASS"
