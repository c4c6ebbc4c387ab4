#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x: binary objects (bounds), certificates, private key never readable,
# memory full, restart keeps persistent objects and drops transient ones.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start

note "write/read binary: small, 2 KB, 0x7FFF bytes"
printf 'hello' >"$T/b5"
head -c 2048 /dev/urandom >"$T/b2k"
head -c 32767 /dev/urandom >"$T/bmax"
head -c 32768 /dev/urandom >"$T/btoo"
: >"$T/empty"
for f in b5 b2k bmax; do
  se05x write 0x20000001 "$T/$f" 2>&1 >/dev/null | grep -q "^se05x: wrote $(stat -c %s "$T/$f") bytes to 0x20000001" || fail "write $f"
  se05x read 0x20000001 -o "$T/$f.back"
  cmp "$T/$f" "$T/$f.back" || fail "read back $f"
done
se05x read 0x20000001 | cmp - "$T/bmax" || fail "read to stdout"
se05x list | grep -q "^0x20000001  binary file *persistent *32767 bytes" || fail "list: binary size"
bad_input "binary of 0x8000 bytes" 1 "too large" se05x write 0x20000002 "$T/btoo"
bad_input "empty binary" 1 "empty" se05x write 0x20000002 "$T/empty"
se05x write 0x20000003 "$T/b5" --transient >/dev/null
se05x list | grep -q "^0x20000003  binary file *transient" || fail "transient binary"

note "certificates"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/cert.pem" -subj "/CN=cert test" \
  -days 2 2>/dev/null
openssl x509 -in "$T/cert.pem" -outform DER -out "$T/cert.der"
se05x cert write 0x20000010 "$T/cert.pem" 2>&1 >/dev/null | grep -q "stored certificate" || fail "cert write"
se05x cert read 0x20000010 -o "$T/back.der"
cmp "$T/cert.der" "$T/back.der" || fail "cert DER round trip"
se05x cert read 0x20000010 --pem >"$T/back.pem"
cmp <(openssl x509 -in "$T/cert.pem") "$T/back.pem" || fail "cert PEM round trip"
se05x cert write 0x20000011 "$T/cert.der" >/dev/null
se05x cert read 0x20000011 | cmp - "$T/cert.der" || fail "cert from DER file"
bad_input "cert write of a non-certificate" 1 "not an X.509 certificate" se05x cert write 0x20000012 "$T/b5"
bad_input "cert read of a binary that is no cert" 1 "does not hold an X.509 certificate" \
  se05x cert read 0x20000001

note "a key pair reads back as its public key only; private export refused"
se05x generate ec 0x7f000001 >/dev/null
se05x public 0x7f000001 -o "$T/pub.pem"
se05x read 0x7f000001 >"$T/read.pem" 2>"$T/read.err"
cmp "$T/pub.pem" "$T/read.pem" || fail "read of a key pair is not the public key"
assert_contains "$(cat "$T/read.err")" "public key only"
! grep -q "PRIVATE" "$T/read.pem" || fail "read printed a private key"
bad_input "private key export" 1 "cannot be read: the chip refused" se05x read 0x7f000001 --private
bad_input "binary write onto a key" 1 "not a binary file" se05x write 0x7f000001 "$T/b5"

note "restart: persistent objects survive, transient ones do not"
se05x generate ec 0x7f000002 --transient >/dev/null
sim_stop
sim_start   # same state directory ($T/sim.state)
se05x public 0x7f000001 -o "$T/pub.after"
cmp "$T/pub.pem" "$T/pub.after" || fail "persistent key changed across restart"
se05x read 0x20000001 | cmp - "$T/bmax" || fail "persistent binary changed across restart"
se05x cert read 0x20000010 | cmp - "$T/cert.der" || fail "certificate changed across restart"
if se05x exists 0x7f000002 >/dev/null; then
  # the shell may survive (docs/protocol/open-questions.md A4); its value must not
  ! se05x sign 0x7f000002 -i "$T/b5" -o "$T/t.sig" 2>/dev/null || fail "transient key usable after restart"
fi
if se05x exists 0x20000003 >/dev/null; then
  ! se05x read 0x20000003 2>/dev/null | cmp -s - "$T/b5" || fail "transient binary kept its value"
fi

note "memory full: clear error, earlier objects intact"
se05x reset --yes >/dev/null
n=0; rc=0
while :; do
  n=$((n + 1)); [ $n -le 20 ] || fail "no memory-full error after 20 x 32 KB"
  snapshot mem
  se05x write "$(printf '0x21%06X' $n)" "$T/bmax" >/dev/null 2>"$T/err.txt" || { rc=$?; break; }
done
[ $rc -eq 1 ] || fail "memory full: exit $rc"
[ $n -ge 2 ] || fail "memory full at the first object"
assert_contains "$(cat "$T/err.txt")" "chip memory full" "memory full"
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || fail "memory full: more than one line"
unchanged mem "failed write when full"
for i in $(seq 1 $((n - 1))); do
  id=$(printf '0x21%06X' "$i")
  se05x read "$id" | cmp -s - "$T/bmax" || fail "object $id damaged by memory full"
done
note ok
