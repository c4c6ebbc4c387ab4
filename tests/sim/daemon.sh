#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x-sim --daemon: returns once the emulator listens (the very next
# command connects, no wait), prints the emulator's pid on stdout; a start
# that fails exits non-zero with the reason on stderr.
. "$SE05X_HELPERS/lib.sh"
pid=$(se05x-sim --state "$T/st" --port 0 --port-file "$T/port" --daemon --log-level error 2>"$T/d.err") ||
  { cat "$T/d.err" >&2; fail "--daemon start"; }
_SIM_PIDS+=("$pid")
[[ $pid =~ ^[0-9]+$ ]] || fail "--daemon printed '$pid', not a pid"
kill -0 "$pid" || fail "the printed pid is not running"
[ -s "$T/port" ] || fail "port file not written before --daemon returned"
out=$(EX_SSS_BOOT_SSS_PORT=127.0.0.1:$(cat "$T/port") se05x info 2>/dev/null) ||
  fail "the emulator does not answer right after --daemon returned"
assert_contains "$out" "applet version:" "info through the daemonized emulator"
kill "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not stop on SIGTERM"
# a start that cannot succeed: the parent reports it
rc=0; se05x-sim --state "$T/nodir/x" --port 0 --daemon >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -ne 0 ] || fail "failed start exited 0"
[ ! -s "$T/out" ] || fail "failed start printed a pid"
assert_contains "$(cat "$T/err")" "state directory" "failed start reason"
echo ok
