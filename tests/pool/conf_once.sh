#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x_open reads the configuration file once: the connection ("port") and
# the link policy ("auth", "scp03_keys", "scp03_kvn") come from one reading
# (lib/conn.c struct se05x_conf). Counted with strace on a process that opens
# one session through the pool (the engine's first signature).
. "$SE05X_HELPERS/lib.sh"
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
FE=engine
. "$SE05X_SRC/tests/pool/common.sh"
[ -f "$ENGINE_LIB" ] || { FE=provider; }
pool_key
printf 'port = %s\nauth = auto\n' "$EX_SSS_BOOT_SSS_PORT" >"$T/se05x.conf"
chmod 600 "$T/se05x.conf"
export SE05X_CONF="$T/se05x.conf"
unset EX_SSS_BOOT_SSS_PORT
# ASan build: LeakSanitizer cannot run under ptrace (strace), so leak
# checking is off for this one process; ASan and UBSan stay on, and the same
# path (one signature of a fresh process) runs with leak checking in
# pool_coldstart.
[ "${SE05X_SANITIZE:-0}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
strace -f -e trace=open,openat -o "$T/strace.out" "$POOL_FE" "$FE" cold "$T/pub.pem" 2>"$T/fe.err" ||
  { cat "$T/fe.err" >&2; fail "$FE: signature with the connection from the configuration file"; }
n=$(grep -c 'se05x\.conf"' "$T/strace.out" || true)
note "$FE: configuration file opened $n time(s) for one session"
[ "$n" = 1 ] || { grep 'se05x\.conf"' "$T/strace.out" >&2; fail "configuration file read $n times, expected 1"; }
