#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PKCS#11 semantics through a C client (p11_check): lazy open, token info,
# login/PIN, label and CKA_ID rules, attributes, sign/verify, ECDH, keygen
# errors, application mutexes, fork(), session objects (CKA_TOKEN false).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"

# C_Initialize / slot calls never touch the chip: an unreachable port only
# fails at the first real use.
# The module logs one error per attempt to open the chip: only C_GetTokenInfo
# may have tried (C_Initialize, slot calls, C_OpenSession must not).
EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(free_port)" "$P11_CHECK" "$MODULE" lazy 2>"$T/lazy.err" || { cat "$T/lazy.err" >&2; fail "lazy"; }
[ "$(grep -c 'cannot open the secure element' "$T/lazy.err")" = 1 ] || { cat "$T/lazy.err" >&2; fail "chip opened before real use"; }

sim_start
p11_provision
"$P11_CHECK" "$MODULE" api "$T/ec.pem" || fail "api"
"$P11_CHECK" "$MODULE" mutex || fail "mutex callbacks"
"$P11_CHECK" "$MODULE" robust || fail "robustness"
ssscli generate ecc 0x20181005 NIST_P256 || fail "generate 0x20181005"
"$P11_CHECK" "$MODULE" stale || fail "stale key"
"$P11_CHECK" "$MODULE" fork || fail "fork"
# CKA_TOKEN false or missing: transient objects on the chip, deleted with the session
"$P11_CHECK" "$MODULE" session || fail "session objects"
# wrong PIN from the environment's point of view: SE05X_PKCS11_PIN changes the PIN
SE05X_PKCS11_PIN=9999 "$P11_CHECK" "$MODULE" mutex 2>"$T/pin.err" && fail "PIN 1234 accepted although SE05X_PKCS11_PIN=9999"
# explicit NXP compatibility mode: any PIN logs in
SE05X_PKCS11_ANY_PIN=1 SE05X_PKCS11_PIN=9999 "$P11_CHECK" "$MODULE" mutex 2>/dev/null || fail "SE05X_PKCS11_ANY_PIN=1"
note "pkcs11 api: ok"
