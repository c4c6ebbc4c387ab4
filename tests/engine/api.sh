#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ENGINE_load_private_key and every chip operation through the OpenSSL API
# (tests/engine/engine_api.c): ECDSA with every digest size (EVP and
# ECDSA_do_sign), ECDH, RSA PKCS#1 v1.5 and PSS signatures, RSA decryption
# (PKCS#1, OAEP, none), 4 threads signing at once, clear errors, no stale
# error after success.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
API="$SE05X_TESTS_DIR/engine_api"
sim_start
export OPENSSL_CONF=/dev/null

se05x generate ec 0x7f000001 >/dev/null 2>&1 || fail "generate EC"
se05x generate rsa 0x7f000002 --bits 2048 >/dev/null 2>&1 || fail "generate RSA"
seTool getRef 0x7f000001 "$T/ec.ref" >/dev/null 2>&1 || fail "getRef"

note "all operations, keys by id / pkcs11 URI / ref file"
"$API" ops 0x7f000001 0x7f000002 >/dev/null || fail "engine_api ops (ids)"
"$API" ops "pkcs11:object=sss:7f000001;type=private" "pkcs11:object=sss:7F000002;type=private" \
  >/dev/null || fail "engine_api ops (pkcs11 URIs)"
"$API" ops "$T/ec.ref" 0x7f000002 >/dev/null || fail "engine_api ops (ref file)"

note "ECDSA_do_sign with every digest length 1..64 on P-256, P-384, P-521"
se05x generate ec 0x7f000003 --curve P-384 >/dev/null 2>&1 || fail "generate P-384"
se05x generate ec 0x7f000004 --curve P-521 >/dev/null 2>&1 || fail "generate P-521"
for id in 0x7f000001 0x7f000003 0x7f000004; do
  "$API" dosign $id >/dev/null || fail "engine_api dosign $id"
done

note "4 threads x 25 signatures on one session"
"$API" threads 0x7f000001 >/dev/null || fail "threads"

note "the chip restarts under a running process: the next signature reopens it"
mkfifo "$T/go"
SE05X_LOG=debug "$API" reopen 0x7f000001 <"$T/go" >"$T/reopen.out" 2>&1 &
apid=$!
exec 7>"$T/go"
for i in $(seq 1 100); do grep -q ready "$T/reopen.out" && break; sleep 0.05; done
grep -q ready "$T/reopen.out" || fail "engine_api reopen did not start: $(cat "$T/reopen.out")"
sim_stop "$SIM_PID"
bg se05x-sim --state "$SIM_STATE" --port "$SIM_PORT" >"$T/sim2.log" 2>&1
for i in $(seq 1 100); do grep -q listening "$T/sim2.log" && break; sleep 0.05; done
echo go >&7
exec 7>&-
wait $apid || fail "signature after the chip restart: $(cat "$T/reopen.out")"
[ "$(grep -c "engine debug: session open" "$T/reopen.out")" = 2 ] ||
  fail "expected two session opens: $(cat "$T/reopen.out")"

note "errors are clear and name the object and the port"
set +e
"$API" load 0x7f0000ff 2>"$T/err.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "missing object: rc $rc"
assert_contains "$(head -1 "$T/err.txt")" "se05x: " "missing object"
assert_contains "$(head -1 "$T/err.txt")" "7F0000FF" "missing object"
assert_contains "$(head -1 "$T/err.txt")" "not found" "missing object"
assert_contains "$(head -1 "$T/err.txt")" "127.0.0.1:$SIM_PORT" "missing object"

openssl ecparam -name prime256v1 -genkey -noout -out "$T/soft.pem" 2>/dev/null
set +e
"$API" load "$T/soft.pem" 2>"$T/err.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "software key file: rc $rc"
assert_contains "$(head -1 "$T/err.txt")" "not a reference" "ordinary key file"

echo "not a key" >"$T/garbage.pem"
set +e
"$API" load "$T/garbage.pem" 2>"$T/err.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "garbage key file: rc $rc"
assert_contains "$(head -1 "$T/err.txt")" "se05x: " "garbage key file"
assert_contains "$(head -1 "$T/err.txt")" "garbage.pem" "garbage key file"

echo "just data" >"$T/blob"
se05x write 0x7f000010 "$T/blob" >/dev/null 2>&1 || fail "write binary object"
set +e
"$API" load 0x7f000010 2>"$T/err.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "binary object as key: rc $rc"
assert_contains "$(head -1 "$T/err.txt")" "not an EC or RSA key" "binary object as key"

dead=$(free_port)
set +e
EX_SSS_BOOT_SSS_PORT=127.0.0.1:$dead "$API" load 0x7f000001 2>"$T/err.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "unreachable port: rc $rc"
assert_contains "$(head -1 "$T/err.txt")" "se05x: " "unreachable port"
assert_contains "$(head -1 "$T/err.txt")" "$dead" "unreachable port"
echo "PASS"
