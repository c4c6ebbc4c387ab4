#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05xd under bad input and faults: a client killed inside a LOCKed import
# (the half-written object is deleted), a client stalling inside its LOCK
# (cut off after --lock-timeout, others then served), malformed JRCP (only
# that client dropped), half a message sent (blocks nobody), a flooding
# client (others still served), the
# emulator restarted under the daemon (reconnect + SCP03 re-authentication),
# the chip gone (clients get an error, no hang), a socket path in use, a
# symlink or a foreign file at the path, configuration and access-list
# errors (refuse to start, name the line), systemd socket activation.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/daemon/common.sh"
PY="python3 $SE05X_SRC/tests/daemon/jrcp_client.py"

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
PORT=$SIM_PORT
unset EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
daemon_start --chip "127.0.0.1:$PORT" --scp03-keys "$T/keys.txt" --lock-timeout 1000

note "a client killed inside a LOCKed import: the half-written object is deleted"
out=$(t $PY import-die "$DSOCK" 7F000031) || fail "import-die client"
assert_contains "$out" "first chunk 9000" "first chunk written"
# the daemon notices the dead client before serving the next one
t se05x info >/dev/null 2>&1 || fail "se05x info after the dead client"
if t se05x exists 0x7f000031 >/dev/null 2>&1; then fail "half-imported object 0x7F000031 left on the chip"; fi
grep -q "deleted object 0x7F000031" "$DLOG" || fail "no log line for the clean-up"
[ "$(status_field 'objects cleaned up')" = 1 ] || fail "clean-up not counted"

note "a client stalling inside its LOCK is cut off; the next client is served after it"
rm -f "$T/stall.out"
bg $PY stall "$DSOCK" 7F000032 >"$T/stall.out" 2>&1
for i in $(seq 1 400); do grep -q locked "$T/stall.out" 2>/dev/null && break; sleep 0.05; done
grep -q "locked 9000" "$T/stall.out" || fail "stalling client did not take the LOCK"
t se05x info >/dev/null 2>&1 || fail "client behind the stalled LOCK not served"
grep -q "silent for 1000 ms while holding the LOCK" "$DLOG" || fail "no cut-off log line"
if t se05x exists 0x7f000032 >/dev/null 2>&1; then fail "stalled import 0x7F000032 left on the chip"; fi
for i in $(seq 1 400); do grep -q "cut off" "$T/stall.out" && break; sleep 0.05; done
grep -q "cut off" "$T/stall.out" || fail "stalled client was not disconnected"

note "malformed JRCP: each such client dropped, the daemon serves on"
t $PY malformed "$DSOCK" >"$T/mal.out" 2>&1 || { cat "$T/mal.out"; fail "malformed traffic"; }
grep -c dropped "$T/mal.out" | grep -qx 6 || { cat "$T/mal.out"; fail "not every malformed client dropped"; }
grep -q "JRCP v2 frame" "$DLOG" || fail "JRCP v2 not named in the log"
t se05x info >/dev/null 2>&1 || fail "daemon unusable after malformed traffic"

note "a client with half a message sent blocks nobody; completed, it is answered"
t $PY partial "$DSOCK" >"$T/part.out" 2>&1 || { cat "$T/part.out"; fail "partial messages"; }
grep -q "each completed message answered" "$T/part.out" || { cat "$T/part.out"; fail "partial messages"; }

note "a client flooding APDUs does not starve the others"
t se05x generate ec 0x7f000033 >/dev/null || fail "generate"
bg $PY flood "$DSOCK" 20000 >"$T/flood.out" 2>&1
for i in $(seq 1 400); do grep -q flooding "$T/flood.out" 2>/dev/null && break; sleep 0.05; done
out=$(timeout 120 "$SE05X_BUILD/tests/daemon_signer" 7f000033 30) || fail "signer during the flood: $out"
[ "$out" = "signed 30 verified 30 errors 0" ] || fail "signer during the flood: $out"

note "the emulator restarted under the daemon: clients served again, SCP03 re-established"
sim_stop "$SIM_PID"
expect_fail "chip gone" t se05x info
grep -q "chip 127.0.0.1:$PORT lost" "$DLOG" || fail "chip loss not logged"
[ "$(status_field state)" = "chip unavailable" ] || fail "status does not say the chip is unavailable"
se05x-sim --state "$SIM_STATE" --port "$PORT" --variant F --scp03-keys "$T/keys.txt" >"$T/simf2.log" 2>&1 &
_SIM_PIDS+=($!)
ok=0
for i in $(seq 1 200); do t se05x exists 0x7f000033 >/dev/null 2>&1 && { ok=1; break; }; sleep 0.05; done
[ $ok = 1 ] || fail "daemon did not reconnect to the restarted emulator"
out=$(timeout 60 "$SE05X_BUILD/tests/daemon_signer" 7f000033 5) || fail "signer after restart: $out"
[ "$(status_field reconnects)" -ge 1 ] || fail "reconnect not counted"
[ "$(status_field link)" = platform-scp03 ] || fail "not on SCP03 after the reconnect"

note "socket path in use, a symlink, a foreign file: refused, nothing removed"
expect_fail "path in use" se05xd --chip "127.0.0.1:$PORT" --listen "unix:$DSOCK"
assert_contains "$LAST_ERR" "is in use" "path in use"
ln -s "$T/elsewhere" "$DRUN/link.sock"
expect_fail "symlink" se05xd --chip "127.0.0.1:$PORT" --listen "unix:$DRUN/link.sock"
assert_contains "$LAST_ERR" "symbolic link" "symlink"
[ -L "$DRUN/link.sock" ] || fail "symlink removed"
echo data >"$DRUN/file.sock"
expect_fail "regular file" se05xd --chip "127.0.0.1:$PORT" --listen "unix:$DRUN/file.sock"
assert_contains "$LAST_ERR" "not a socket" "regular file"
[ "$(cat "$DRUN/file.sock")" = data ] || fail "file touched"
# a stale socket of ours (daemon killed hard) is taken over
daemon2() { se05xd --chip "127.0.0.1:$PORT" --listen "unix:$DRUN/two.sock" "$@" >>"$T/two.log" 2>&1 & D2=$!; _BG_PIDS+=($D2); }
daemon2
for i in $(seq 1 200); do se05xd --status --listen "unix:$DRUN/two.sock" >/dev/null 2>&1 && break; sleep 0.05; done
kill -9 "$D2"; wait "$D2" 2>/dev/null || true
[ -S "$DRUN/two.sock" ] || fail "no stale socket to test with"
daemon2
for i in $(seq 1 200); do se05xd --status --listen "unix:$DRUN/two.sock" >/dev/null 2>&1 && break; sleep 0.05; done
se05xd --status --listen "unix:$DRUN/two.sock" >/dev/null || { cat "$T/two.log"; fail "stale socket not taken over"; }
grep -q "removed the stale socket" "$T/two.log" || fail "stale socket removal not logged"
kill "$D2"; wait "$D2" || fail "second daemon exit code"

note "systemd socket activation: the passed socket is served and left in place"
if command -v systemd-socket-activate >/dev/null; then
  systemd-socket-activate -l "$DRUN/act.sock" se05xd --chip "127.0.0.1:$PORT" --scp03-keys "$T/keys.txt" \
    --listen "unix:$DRUN/act.sock" \
    >"$T/act.log" 2>&1 &
  ACT=$!; _BG_PIDS+=($ACT)
  for i in $(seq 1 200); do [ -S "$DRUN/act.sock" ] && break; sleep 0.05; done
  EX_SSS_BOOT_SSS_PORT="unix:$DRUN/act.sock" t se05x exists 0x7f000033 >/dev/null || { cat "$T/act.log"; fail "activated daemon"; }
  grep -q "using the socket passed by systemd" "$T/act.log" || { cat "$T/act.log"; fail "activation not used"; }
  kill "$ACT"; wait "$ACT" || fail "activated daemon exit code"
  [ -S "$DRUN/act.sock" ] || fail "the activated daemon removed systemd's socket"
else
  note "systemd-socket-activate not installed: skipped"
fi

note "configuration and access-list errors: refuse to start, name the file and line"
printf 'allow root * sign\nallow root * sign,frobnicate\n' >"$T/bad.acl"; chmod 600 "$T/bad.acl"
expect_fail "bad acl" se05xd --chip "127.0.0.1:$PORT" --listen "unix:$DRUN/x.sock" --acl "$T/bad.acl"
assert_contains "$LAST_ERR" "$T/bad.acl:2: unknown operation 'frobnicate'" "bad acl"
printf 'allow nosuchuser_xyz * sign\n' >"$T/bad2.acl"; chmod 600 "$T/bad2.acl"
expect_fail "unknown user" se05xd --check --chip x:1 --acl "$T/bad2.acl"
assert_contains "$LAST_ERR" "$T/bad2.acl:1: unknown user 'nosuchuser_xyz'" "unknown user"
printf 'allow root * *\n' >"$T/ww.acl"; chmod 666 "$T/ww.acl"
expect_fail "writable acl" se05xd --check --chip x:1 --acl "$T/ww.acl"
assert_contains "$LAST_ERR" "writable by group or others" "writable acl"
printf '# se05xd\nchip = 127.0.0.1:%s\nlisten = unix:%s\nlock_timeout_ms = soon\n' "$PORT" "$DRUN/c.sock" >"$T/d.conf"
expect_fail "bad config" se05xd --config "$T/d.conf"
assert_contains "$LAST_ERR" "$T/d.conf:4: lock_timeout_ms: expected milliseconds" "bad config"
printf 'chip = 127.0.0.1:%s\nchip = x:1\n' "$PORT" >"$T/d2.conf"
expect_fail "duplicate key" se05xd --config "$T/d2.conf" --check
assert_contains "$LAST_ERR" "$T/d2.conf:2: 'chip' given twice (first on line 1)" "duplicate key"
cp "$T/keys.txt" "$T/rk.txt" && chmod 640 "$T/rk.txt"
expect_fail "key file readable by the group" se05xd --check --chip x:1 --scp03-keys "$T/rk.txt"
assert_contains "$LAST_ERR" "is accessible by group or others" "readable key file"
printf 'chip = 127.0.0.1:%s\nlisten = unix:%s\n' "$PORT" "$DRUN/c.sock" >"$T/d3.conf"
out=$(se05xd --config "$T/d3.conf" --check) || fail "good config refused"
assert_contains "$out" "configuration OK" "good config"
[ ! -e "$DRUN/x.sock" ] && [ ! -e "$DRUN/c.sock" ] || fail "a refused start created a socket"

daemon_stop
echo OK
