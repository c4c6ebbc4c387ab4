#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# seTool: the verbs of the Mender tutorial, exactly as typed there.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start

note "usage without arguments"
rc=0; seTool >"$T/out" 2>"$T/err" || rc=$?
[ $rc -ne 0 ] || fail "seTool without arguments succeeded"
grep -q "^Usage:" "$T/err" || fail "no usage"
for l in "seTool genECC <keyId>" "seTool setECC <keyId> <filename>" "seTool getPublic <keyId> <filename>" \
         "seTool getRef <keyId> <filename>"; do
  grep -qF "$l" "$T/err" || fail "usage lacks '$l'"
done
[ ! -s "$T/out" ] || fail "usage on stdout"
expect_fail "unknown verb" seTool frob 0x7f000001
expect_fail "missing file argument" seTool getRef 0x7f000001

note "genECC, getRef, getECCRef, getPublic (port from EX_SSS_BOOT_SSS_PORT)"
seTool genECC 0x7f000001 >"$T/out"
[ ! -s "$T/out" ] || fail "genECC wrote to stdout"
seTool getRef 0x7f000001 "$T/0x7f000001.ref"
seTool getECCRef 0x7f000001 "$T/alias.ref"
cmp "$T/0x7f000001.ref" "$T/alias.ref" || fail "getECCRef != getRef"
head -1 "$T/0x7f000001.ref" | grep -qx -- "-----BEGIN PRIVATE KEY-----" || fail "ref key is not PKCS#8 PEM"
der=$(sed '1d;$d' "$T/0x7f000001.ref" | base64 -d | od -An -tx1 | tr -d ' \n')
# docs/protocol/refkey.md §6: 138 bytes, fixed header, marker, [1] public key
[ ${#der} -eq 276 ] || fail "ref key DER is $(( ${#der} / 2 )) bytes, expected 138"
prefix=308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b020101042010
marker=00000000000000000000000000000000007f000001a5a6b5b6a5a6b5b61000a144034200
[ "${der:0:${#prefix}}" = "$prefix" ] || fail "ref key header: ${der:0:72}"
[ "${der:${#prefix}:${#marker}}" = "$marker" ] || fail "ref key marker: ${der:${#prefix}:${#marker}}"
seTool getPublic 0x7f000001 "$T/pub.pem"
[ "$(pub_of "$T/pub.pem")" = "$(pub_of "$T/0x7f000001.ref")" ] || fail "ref key public part != getPublic"
[ "${der:146}" = "$(openssl pkey -pubin -in "$T/pub.pem" -outform DER | od -An -tx1 | tr -d ' \n' | tail -c 130)" ] \
  || fail "ref key point != public key point"

note "port as the last argument, ids in plain hex"
saved=$EX_SSS_BOOT_SSS_PORT
unset EX_SSS_BOOT_SSS_PORT
seTool getPublic 7f000001 "$T/pub2.pem" "$saved"
cmp "$T/pub.pem" "$T/pub2.pem" || fail "plain-hex id / port argument"
seTool getRef 7F000001 "$T/ref2" "$saved"
cmp "$T/0x7f000001.ref" "$T/ref2" || fail "getRef with port argument"
seTool getPublic 0x7f000001 "$T/pub4.pem" "t1:$saved"
cmp "$T/pub.pem" "$T/pub4.pem" || fail "getPublic over raw T=1"
export EX_SSS_BOOT_SSS_PORT=$saved

note "genECC on an existing key warns and keeps it"
seTool genECC 0x7f000001 2>"$T/err"
grep -q "Object id 0x7F000001 exists" "$T/err" || fail "no 'exists' warning"
seTool getPublic 0x7f000001 "$T/pub3.pem"
cmp "$T/pub.pem" "$T/pub3.pem" || fail "genECC replaced an existing key"

note "setECC with a software P-256 key; chip signatures verify with its public part"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/sw.pem" 2>/dev/null
openssl pkey -in "$T/sw.pem" -pubout -out "$T/sw.pub"
seTool setECC 0x7f000002 "$T/sw.pem"
seTool getPublic 0x7f000002 "$T/imp.pub"
[ "$(pub_of "$T/imp.pub")" = "$(pub_of "$T/sw.pub")" ] || fail "setECC public part"
echo "signed inside the chip" >"$T/msg"
se05x sign 0x7f000002 -i "$T/msg" -o "$T/sig"
openssl dgst -sha256 -verify "$T/sw.pub" -signature "$T/sig" "$T/msg" >/dev/null || fail "setECC key signature"
seTool getRef 0x7f000002 "$T/2.ref"
[ "$(pub_of "$T/2.ref")" = "$(pub_of "$T/sw.pub")" ] || fail "getRef of an imported key"

note "/dev/i2c-1 is taken as the port"
rc=0; timeout 20 seTool genECC 0x7f000003 /dev/i2c-1 2>"$T/err" || rc=$?
if [ $rc -ne 0 ]; then
  assert_contains "$(cat "$T/err")" "/dev/i2c-1" "i2c port error"
  [ $rc -ne 124 ] || fail "seTool hung on /dev/i2c-1"
fi
note ok
