#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bus lock against an unprivileged local user (issue 9 item 1), end to
# end: the se05x tool as root over t1:HOST:PORT, `nobody` through runuser.
#  1. nobody plants the lock name as a symlink to a root file in a lock
#     directory anyone may write (what /run/lock was): the root client refuses
#     the directory with a clear error; the file keeps its mode and bytes.
#  2. a safe directory (root, 2770): the root client works and its new lock
#     file is 0660 root:root; nobody can neither create nor open a file there,
#     and nobody's client fails with a clear error instead of taking the lock.
#  3. a symlink, a hard link or a nobody-owned file at the lock name in the
#     safe directory: refused with a clear error, the target unchanged.
#  4. over the i2c-dev code path (shim with a stand-in device node): the lock
#     file takes the node's group and mode; root and a member of the node's
#     group share it whoever created it.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (runuser -u nobody)"; exit 77; }
command -v runuser >/dev/null || { echo "SKIP: runuser missing"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
sim_start
use_t1_tcp
chmod 0711 "$T" # nobody may reach the directories below, not list $T
NAME="se05x-t1-127.0.0.1-$SIM_PORT.lock"
nb() { runuser -u nobody -- "$@"; }

printf 'root:secret:1:2\n' >"$T/victim"
chmod 0640 "$T/victim"
victim_ok() {
  [ "$(stat -c %a "$T/victim")" = 640 ] || fail "$1: victim mode now $(stat -c %a "$T/victim")"
  [ "$(cat "$T/victim")" = "root:secret:1:2" ] || fail "$1: victim content changed"
}

# 1. the attack of the issue, in a world-writable directory
W="$T/world"
mkdir "$W"
chmod 1777 "$W"
nb ln -s "$T/victim" "$W/$NAME" || fail "nobody could not plant the symlink"
SE05X_LOCK_DIR="$W" se05x info >"$T/w.out" 2>"$T/w.err" && fail "root client used a world-writable lock directory"
grep -qF "bus lock directory $W: writable by others (mode 1777) (refused)" "$T/w.err" ||
  fail "no clear error: $(cat "$T/w.err")"
victim_ok "world-writable directory"
note "world-writable lock directory with a planted symlink: refused, target unchanged"

# 2. a safe directory
D="$T/locks"
mkdir -m 2770 "$D"
SE05X_LOCK_DIR="$D" se05x info >/dev/null 2>"$T/d.err" || fail "root client in a safe directory: $(cat "$T/d.err")"
[ "$(stat -c '%a %U %G %h' "$D/$NAME")" = "660 root root 1" ] ||
  fail "new lock file is $(stat -c '%a %U %G %h' "$D/$NAME"), expected 660 root root 1"
nb touch "$D/planted" 2>/dev/null && fail "nobody created a file in the lock directory"
nb sh -c ': >>"$1"' _ "$D/$NAME" 2>/dev/null && fail "nobody opened the lock file"
nb env SE05X_LOCK_DIR="$D" EX_SSS_BOOT_SSS_PORT="$EX_SSS_BOOT_SSS_PORT" "$SE05X_BIN/se05x" info \
  >"$T/n.out" 2>"$T/n.err" && fail "nobody took the bus lock"
grep -qF "bus lock directory $D: Permission denied" "$T/n.err" || fail "nobody: no clear error: $(cat "$T/n.err")"
note "safe directory: root's lock file 0660 root:root; nobody can neither create, open nor take it"

# 3. planted files in the safe directory
for kind in symlink hardlink foreign; do
  rm -f "$D/$NAME"
  case $kind in
    symlink) ln -s "$T/victim" "$D/$NAME"; why="a symbolic link" ;;
    hardlink) ln "$T/victim" "$D/$NAME"; why="2 hard links" ;;
    foreign) install -m 0600 -o nobody -g nogroup /dev/null "$D/$NAME"; why="owned by uid" ;;
  esac
  SE05X_LOCK_DIR="$D" se05x info >/dev/null 2>"$T/$kind.err" && fail "$kind lock file accepted"
  grep -qF "bus lock $D/$NAME: $why" "$T/$kind.err" || fail "$kind: no clear error: $(cat "$T/$kind.err")"
  victim_ok "$kind"
done
[ "$(stat -c '%a %U' "$D/$NAME")" = "600 nobody" ] || fail "foreign lock file changed"
note "planted symlink, hard link, nobody's file: refused, targets unchanged"

# 4. the real i2c-dev path (LD_PRELOAD shim; SE05X_SHIM_NODE stands in for
#    /dev/i2c-1 as root:nogroup 0660): the lock follows the device node, and a
#    member of its group (nobody, primary group nogroup) shares it with root.
N="$T/i2c-node"
install -m 0660 -o root -g nogroup /dev/null "$N"
G="$T/group-locks"
mkdir "$G"
chown root:nogroup "$G"
chmod 2770 "$G"
LOCK="$G/se05x-i2c-1-0x48.lock"
i2c_env=(SE05X_LOCK_DIR="$G" SE05X_SHIM_NODE="$N" SE05X_SHIM_TARGET="127.0.0.1:$SIM_PORT"
  LD_PRELOAD="$SHIM_SO" ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}"
  EX_SSS_BOOT_SSS_PORT=/dev/i2c-1)
env "${i2c_env[@]}" se05x info >/dev/null 2>"$T/g1.err" || fail "root over i2c: $(cat "$T/g1.err")"
[ "$(stat -c '%a %U %G' "$LOCK")" = "660 root nogroup" ] ||
  fail "lock file is $(stat -c '%a %U %G' "$LOCK"), expected the node's 660 root nogroup"
nb env "${i2c_env[@]}" "$SE05X_BIN/se05x" info >/dev/null 2>"$T/g2.err" ||
  fail "nobody (device group) over i2c: $(cat "$T/g2.err")"
rm -f "$LOCK"
nb env "${i2c_env[@]}" "$SE05X_BIN/se05x" info >/dev/null 2>"$T/g3.err" ||
  fail "nobody creating the lock: $(cat "$T/g3.err")"
[ "$(stat -c '%a %U %G' "$LOCK")" = "660 nobody nogroup" ] || fail "nobody's lock is $(stat -c '%a %U %G' "$LOCK")"
env "${i2c_env[@]}" se05x info >/dev/null 2>"$T/g4.err" || fail "root after nobody: $(cat "$T/g4.err")"
note "i2c-dev: lock file takes the node's group and mode; root and a device-group member share it"
