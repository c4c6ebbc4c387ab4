#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two processes with eight threads each sign (ECDSA and RSA, single and
# multi-part) through the module at the same time; every signature is
# verified; zero errors allowed. Then fork() while threads are inside the
# module (signing; or running C_Initialize..C_Finalize): every child signs
# through its own module instance, none hangs, every signature verifies.
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
"$P11_CHECK" "$MODULE" forkwait || fail "fork() did not wait for a thread inside the module"
"$P11_CHECK" "$MODULE" forkstress 4 50 "$T/ec.pub.pem" >"$T/fork.out" 2>&1 || { cat "$T/fork.out"; fail "fork while signing"; }
cat "$T/fork.out"
"$P11_CHECK" "$MODULE" forkinit 50 "$T/ec.pub.pem" >"$T/forkinit.out" 2>&1 || { cat "$T/forkinit.out"; fail "fork during C_Initialize/C_Finalize"; }
cat "$T/forkinit.out"
note "fork: 2 x 50 children signed, none hung"
