#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/protocol/compat.md R2 / decisions.md D8: with an OPENSSL_CONF that activates se05x
# first, libse05x's parsing and encoding (seTool, se05x, lib_no_provider.c)
# never run inside the provider (no recursion, no provider log lines), while
# openssl itself still decodes the reference key through the provider.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
sim_start
cd "$T"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
ssscli generate rsa 0x7f000011 2048 >/dev/null 2>&1 || fail "ssscli generate rsa"
seTool getRef 0x7f000001 plain.ref >/dev/null 2>&1 || fail "seTool getRef without the provider"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ord.pem 2>/dev/null || fail "EC key"
openssl pkey -in ord.pem -pubout -out ord.pub || fail "public key"
write_prov_cnf se1.cnf se05x
export OPENSSL_CONF=$T/se1.cnf SE05X_LOG=debug SE05X_LOG_FILE=$T/lib.log
# no provider line may appear in lib.log (the provider shares the facility)
noprov() { ! grep -q "provider" "$T/lib.log" || { cat "$T/lib.log" >&2; fail "$1 ran inside the provider"; }; }
: >lib.log
seTool getRef 0x7f000001 ec.ref >/dev/null 2>&1 || fail "seTool getRef under OPENSSL_CONF"
cmp -s ec.ref plain.ref || fail "seTool getRef differs under OPENSSL_CONF"
seTool getRef 0x7f000011 rsa.ref >/dev/null 2>&1 || fail "seTool getRef RSA under OPENSSL_CONF"
se05x refkey 0x7f000001 --sec1 -o sec1.ref >/dev/null 2>&1 || fail "se05x refkey --sec1"
se05x refkey 0x7f000001 -o ec2.ref >/dev/null 2>&1 || fail "se05x refkey"
cmp -s ec2.ref plain.ref || fail "se05x refkey differs from seTool getRef"
expect_fail "seTool setECC with a ref key" seTool setECC 0x7f000060 ec.ref
seTool setECC 0x7f000061 ord.pem >/dev/null 2>&1 || fail "seTool setECC with an ordinary key"
noprov "seTool/se05x"
"$SE05X_BUILD/tests/lib_no_provider" ec.ref sec1.ref rsa.ref ord.pem ord.pub ||
  fail "lib_no_provider"
noprov "lib_no_provider"
# The provider's decoder path in the same configuration: it decodes the ref
# key (its log line) and must not loop back into itself through lib.
: >lib.log
for f in ec.ref sec1.ref rsa.ref; do
  ossl pkey -in "$f" -pubout -out "$f.pub" || fail "openssl pkey -in $f under OPENSSL_CONF"
done
grep -q "provider debug: decoded reference key" lib.log || fail "the provider did not decode the ref keys"
n=$(grep -c "decoded reference key" lib.log)
[ "$n" -le 6 ] || fail "the provider decoded $n times for 3 files (recursion?)"
note "provider libctx: all good"
