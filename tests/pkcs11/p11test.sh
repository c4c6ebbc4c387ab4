#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OpenSC p11test (built once from Debian's opensc source package by
# scripts/build-p11test.sh into the user cache) against the module, with an
# EC and an RSA key, each with its certificate on the token.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
P11TEST=$(bash "$SE05X_SRC/scripts/build-p11test.sh") || fail "cannot build p11test (scripts/build-p11test.sh)"
[ -x "$P11TEST" ] || fail "no p11test binary"
sim_start
p11_provision
foreign "$P11TEST" -m "$MODULE" -p 1234 -s 1 >"$T/p11test.out" 2>&1; rc=$?
cat "$T/p11test.out"
[ $rc = 0 ] || fail "p11test exit $rc"
out=$(cat "$T/p11test.out")
case "$out" in *"FAILED"*|*"[ ERROR"*) fail "p11test reported failures" ;; esac
assert_contains "$out" "PASSED  ] 9 test(s)" "p11test summary"
# the tests ran on both keys, with certificates paired (the "Public == Cert" column)
assert_contains "$out" "[20:18:10:01] [sss:20181001]" "RSA key tested"
assert_contains "$out" "[20:18:10:02] [sss:20181002]" "EC key tested"
grep -A1 '^\[20:18:10:01\] \[sss:20181001\]' "$T/p11test.out" | grep -q '^\[ RSA  \] \[  2048\] \[  ./  \] \[\[./\]  \[./\] \] \[\[./\]  \[./\] \]' \
  || fail "RSA key: certificate/sign/verify/encrypt/decrypt not all verified"
grep -A1 '^\[20:18:10:02\] \[sss:20181002\]' "$T/p11test.out" | grep -q '^\[  EC  \] \[   256\] \[  ./  \] \[\[./\]  \[./\] \]' \
  || fail "EC key: certificate/sign/verify not all verified"
note "p11test: ok"
