#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Each tool reads the configuration file once per run: the port it names
# (and says where it came from) and the link protection come from one
# reading (se05x_conf_new / se05x_conn_resolve_with / se05x_open_with,
# docs/lib.md "Configuration file"). Counted with strace, for se05x,
# se05x doctor, seTool and ssscli (also after 'ssscli connect ... none').
. "$SE05X_HELPERS/lib.sh"
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
sim_start
unset EX_SSS_BOOT_SSS_PORT
export SE05X_CONF="$T/se05x.conf"
printf 'port = 127.0.0.1:%s\nauth = auto\n' "$SIM_PORT" >"$SE05X_CONF"
chmod 600 "$SE05X_CONF"
export XDG_CONFIG_HOME="$T/xdg" # ssscli's connect state stays in the test
# LeakSanitizer cannot run under ptrace; ASan and UBSan stay on.
[ "${SE05X_SANITIZE:-0}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# once "what" cmd...: the command succeeds and opens the file exactly once
once() {
  local what=$1
  shift
  local rc=0 n
  strace -f -e trace=open,openat -o "$T/strace.out" "$@" >"$T/out.txt" 2>"$T/err.txt" || rc=$?
  [ "$rc" = 0 ] || { cat "$T/err.txt" >&2; fail "$what: exit status $rc"; }
  n=$(grep -c 'se05x\.conf"' "$T/strace.out" || true)
  note "$what: configuration file opened $n time(s)"
  [ "$n" = 1 ] || { grep 'se05x\.conf"' "$T/strace.out" >&2; fail "$what: configuration file read $n times, expected 1"; }
}

once "se05x info" se05x info
assert_contains "$(cat "$T/out.txt")" "127.0.0.1:$SIM_PORT" "se05x info names the port from the file"
once "se05x -v list" se05x -v list
assert_contains "$(cat "$T/err.txt")" "using port 127.0.0.1:$SIM_PORT (from $SE05X_CONF)" "se05x -v says where"
# doctor fails overall here (no installed plug-ins), but its chip check passes
strace -f -e trace=open,openat -o "$T/strace.out" se05x doctor >"$T/out.txt" 2>&1 || true
assert_contains "$(cat "$T/out.txt")" "ok    chip" "doctor reached the chip"
n=$(grep -c 'se05x\.conf"' "$T/strace.out" || true)
note "se05x doctor: configuration file opened $n time(s)"
[ "$n" = 1 ] || fail "se05x doctor: configuration file read $n times, expected 1"
once "seTool genECC" seTool genECC 0x7f000021
once "ssscli se05x uid" ssscli se05x uid
assert_contains "$(cat "$T/out.txt")" "Unique ID" "ssscli read the UID"
ssscli connect se05x t1oi2c none >/dev/null
once "ssscli se05x uid (connect ... none)" ssscli se05x uid
ssscli disconnect >/dev/null
