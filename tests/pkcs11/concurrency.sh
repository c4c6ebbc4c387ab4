#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two processes with eight threads each sign (ECDSA and RSA, single and
# multi-part) through the module at the same time; every signature is
# verified; zero errors allowed.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
sim_start
p11_provision
"$P11_CHECK" "$MODULE" stress 8 50 >"$T/a.out" 2>&1 &
a=$!
"$P11_CHECK" "$MODULE" stress 8 50 >"$T/b.out" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
cat "$T/a.out" "$T/b.out"
[ $ra = 0 ] && [ $rb = 0 ] || fail "signing errors (exit $ra/$rb)"
grep -qx 'signatures=400 errors=0' "$T/a.out" && grep -qx 'signatures=400 errors=0' "$T/b.out" || fail "unexpected summary"
note "2 processes x 8 threads: 800 signatures, 0 errors"
