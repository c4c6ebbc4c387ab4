#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x-sim distrusts its state directory and its unix socket (issue 9 item 4):
# a directory of another user or one others may write is refused, no file in
# it is reached through a symlink or taken from another user, the unix socket
# is 0600 (0660 for --socket-group). Runs as root; `nobody` plays the other user.
. "$SE05X_HELPERS/lib.sh"
CLIENT="$SE05X_BUILD/tests/sim-jrcp-client"
SEL=00A4040010A000000396545300000001030000000000
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (runs parts as nobody)"; exit 77; }
chmod 0711 "$T" # nobody may traverse (not list) the test directory
SIM=$(command -v se05x-sim)

note "a state directory of another user is refused and left alone"
mkdir "$T/nobody.state" && chown nobody: "$T/nobody.state" && chmod 0700 "$T/nobody.state"
expect_fail "dir of nobody" se05x-sim --state "$T/nobody.state" --port 0
assert_contains "$LAST_ERR" "state directory $T/nobody.state belongs to uid $(id -u nobody)"
[ -z "$(ls -A "$T/nobody.state")" ] || fail "files created in another user's directory: $(ls -A "$T/nobody.state")"

note "a state directory writable by group/others is refused (not silently narrowed)"
mkdir "$T/open.state" && chmod 0777 "$T/open.state"
expect_fail "dir 0777" se05x-sim --state "$T/open.state" --port 0
assert_contains "$LAST_ERR" "state directory $T/open.state is writable by group/others (mode 0777)"
[ "$(stat -c %a "$T/open.state")" = 777 ] && [ -z "$(ls -A "$T/open.state")" ] || fail "0777 dir was touched"
chmod 0770 "$T/open.state"
expect_fail "dir 0770" se05x-sim --state "$T/open.state" --port 0
assert_contains "$LAST_ERR" "writable by group/others (mode 0770)"

note "the state directory itself may not be a symlink"
mkdir -m 0700 "$T/real.state" && ln -s "$T/real.state" "$T/link.state"
expect_fail "dir symlink" se05x-sim --state "$T/link.state" --port 0
assert_contains "$LAST_ERR" "state directory $T/link.state is a symbolic link"

note "a planted lock / chip.key / state symlink is refused, its target unchanged"
echo precious >"$T/target"
for f in lock chip.key state; do
  mkdir -m 0700 "$T/pl-$f.state"
  ln -s "$T/target" "$T/pl-$f.state/$f"
  expect_fail "planted $f symlink" se05x-sim --state "$T/pl-$f.state" --port 0
  assert_contains "$LAST_ERR" "$T/pl-$f.state/$f is a symbolic link; refusing to follow it"
  [ "$(cat "$T/target")" = precious ] || fail "the $f symlink was followed: target now $(od -c "$T/target")"
done

note "files of another user, with other links or group/other access are refused"
sim_start own
sim_stop
cp -a "$SIM_STATE" "$T/other-key.state"
chown nobody "$T/other-key.state/chip.key"
expect_fail "chip.key of nobody" se05x-sim --state "$T/other-key.state" --port 0
assert_contains "$LAST_ERR" "$T/other-key.state/chip.key belongs to uid $(id -u nobody)"
cp -a "$SIM_STATE" "$T/mode.state"
chmod 0644 "$T/mode.state/state"
expect_fail "state 0644" se05x-sim --state "$T/mode.state" --port 0
assert_contains "$LAST_ERR" "$T/mode.state/state mode 0644 gives group/others access"
cp -a "$SIM_STATE" "$T/hard.state"
rm "$T/hard.state/lock" && ln "$T/target" "$T/hard.state/lock" && chmod 0600 "$T/target"
expect_fail "hard-linked lock" se05x-sim --state "$T/hard.state" --port 0
assert_contains "$LAST_ERR" "$T/hard.state/lock has more than one hard link"
[ "$(cat "$T/target")" = precious ] || fail "a hard-linked lock was truncated"
mkfifo -m 0600 "$T/fifo.tmp" && cp -a "$SIM_STATE" "$T/fifo.state" && rm "$T/fifo.state/chip.key" &&
  mv "$T/fifo.tmp" "$T/fifo.state/chip.key"
expect_fail "chip.key is a fifo" timeout 10 se05x-sim --state "$T/fifo.state" --port 0
assert_contains "$LAST_ERR" "$T/fifo.state/chip.key not a regular file"

note "the emulator's own directory still works, restarts keep the state, leftovers go"
touch "$SIM_STATE/state.tmp.0123456789abcdef"
chmod 0755 "$SIM_STATE" # ours and not writable by others: narrowed back to 0700
sim_start own
[ "$(stat -c %a "$SIM_STATE")" = 700 ] || fail "state dir not narrowed to 0700"
[ ! -e "$SIM_STATE/state.tmp.0123456789abcdef" ] || fail "leftover temp file kept"
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" | grep -q 9000$ || fail "SELECT on a restarted emulator"
sim_stop

note "as nobody: root's directory is refused, nobody's own works"
mkdir -m 0755 "$T/root.state"
expect_fail "nobody on root's dir" runuser -u nobody -- "$SIM" --state "$T/root.state" --port 0
assert_contains "$LAST_ERR" "state directory $T/root.state belongs to uid 0 (root), not to the running user (uid $(id -u nobody))"
mkdir -m 0700 "$T/nob-run" && chown nobody: "$T/nob-run"
runuser -u nobody -- "$SIM" --state "$T/nob-run/state" --port 0 --port-file "$T/nob-run/port" \
  >"$T/sim-nobody.log" 2>&1 &
NPID=$!; _SIM_PIDS+=("$NPID")
for i in $(seq 1 200); do [ -s "$T/nob-run/port" ] && break; sleep 0.05; done
[ -s "$T/nob-run/port" ] || fail "the emulator of nobody did not start: $(cat "$T/sim-nobody.log")"
[ "$(stat -c %U:%a "$T/nob-run/state")" = nobody:700 ] || fail "nobody's state dir: $(stat -c %U:%a "$T/nob-run/state")"
sim_stop "$NPID"

note "the unix socket is 0600 whatever the umask; --socket-group gives 0660 to one group"
start_unix() { # name [args...]: starts an emulator on $T/<name>.sock with umask 000
  local name=$1; shift
  (umask 000; exec se05x-sim --state "$T/$name.state" --unix "$T/$name.sock" "$@") >"$T/sim-$name.log" 2>&1 &
  UPID=$!; _SIM_PIDS+=("$UPID")
  for i in $(seq 1 200); do [ -S "$T/$name.sock" ] && break; sleep 0.05; done
  [ -S "$T/$name.sock" ] || fail "no unix socket $name: $(cat "$T/sim-$name.log")"
}
start_unix u0
[ "$(stat -c %a:%U "$T/u0.sock")" = 600:root ] || fail "unix socket mode $(stat -c %a:%U "$T/u0.sock") (want 600:root)"
"$CLIENT" "unix:$T/u0.sock" apdu "$SEL" | grep -q 9000$ || fail "root cannot use its socket"
if runuser -u nobody -- "$CLIENT" "unix:$T/u0.sock" apdu "$SEL" >/dev/null 2>&1; then
  fail "nobody could use a 0600 root socket"
fi
sim_stop "$UPID"
start_unix ug --socket-group nogroup
[ "$(stat -c %a:%U:%G "$T/ug.sock")" = 660:root:nogroup ] || fail "group socket: $(stat -c %a:%U:%G "$T/ug.sock")"
runuser -u nobody -- "$CLIENT" "unix:$T/ug.sock" apdu "$SEL" | grep -q 9000$ || fail "nobody (group nogroup) cannot connect"
sim_stop "$UPID"
expect_fail "unknown group" se05x-sim --state "$T/x.state" --unix "$T/x.sock" --socket-group no-such-group-se05x
assert_contains "$LAST_ERR" "unknown group 'no-such-group-se05x'"
expect_fail "group without --unix" se05x-sim --state "$T/x.state" --socket-group nogroup
assert_contains "$LAST_ERR" "--socket-group needs --unix"
se05x-sim --help | grep -q -- "--socket-group NAME" || fail "--help does not describe --socket-group"
echo PASS
