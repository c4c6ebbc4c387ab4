#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The access list of se05xd per user: root may do everything, nobody may sign
# with 0x7F000001 and read 0x7F000002 only (clients run as nobody through
# runuser; CI runs as root). (nobody also reads 0x7F000001's public key: the
# library checks every signature with it, docs/verify-after-sign.md.) Refusals come back as SW 6986 ("denied"), with
# one log line naming who was refused what. Applet sessions are per client.
# Without a list the socket is 0660 (nobody cannot even connect); with a
# list it is 0666.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/daemon/common.sh"
PY="python3 $SE05X_SRC/tests/daemon/jrcp_client.py"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run clients as nobody"; exit 77; }
command -v runuser >/dev/null || { echo "SKIP: runuser not installed"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }
runuser -u nobody -- test -x "$SE05X_BIN/se05x" || { echo "SKIP: build tree not readable by nobody"; exit 77; }

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
CHIP="127.0.0.1:$SIM_PORT"
unset EX_SSS_BOOT_SCP03_PATH
mkdir -p "$T/pub" && chmod 755 "$T/pub"
: >"$T/pub/empty.conf"; chmod 644 "$T/pub/empty.conf"
export SE05X_CONF="$T/pub/empty.conf"
echo "signed by nobody" >"$T/pub/msg"; chmod 644 "$T/pub/msg"

cat >"$T/acl" <<EOT
# se05xd access list of the test
allow root * *
allow nobody 0x7F000001 sign,read   # read: the library checks each signature with the public key
allow nobody 0x7F000002 read        # public key only
EOT
chmod 600 "$T/acl"
daemon_start --chip "$CHIP" --scp03-keys "$T/keys.txt" --acl "$T/acl"
[ "$(stat -c %a "$DSOCK")" = 666 ] || fail "socket with an access list is not 0666"
# nobody() cmd... — a client as user nobody, keyless, through the daemon
nobody() { timeout 60 runuser -u nobody -- env SE05X_CONF="$SE05X_CONF" EX_SSS_BOOT_SSS_PORT="unix:$DSOCK" "$@"; }

note "root (allow root * *) provisions"
t se05x generate ec 0x7f000001 >/dev/null || fail "root generate 1"
t se05x generate ec 0x7f000002 >/dev/null || fail "root generate 2"
t se05x generate ec 0x7f000003 >/dev/null || fail "root generate 3"
t se05x public 0x7f000001 -o "$T/pub1.pem" >/dev/null || fail "root public"

note "nobody may sign with 0x7F000001 (verified) and read 0x7F000002"
nobody se05x sign 0x7f000001 -i "$T/pub/msg" -o - >"$T/sig" 2>"$T/n.err" || { cat "$T/n.err"; fail "nobody sign 1"; }
openssl dgst -sha256 -verify "$T/pub1.pem" -signature "$T/sig" "$T/pub/msg" >/dev/null || fail "nobody's signature"
nobody se05x read 0x7f000002 >"$T/pub2.pem" 2>"$T/n.err" || { cat "$T/n.err"; fail "nobody read 2"; }
grep -q "BEGIN PUBLIC KEY" "$T/pub2.pem" || fail "nobody read 2: no public key"
nobody se05x info >/dev/null 2>&1 || fail "nobody info (information is not subject to the list)"

note "nobody is refused everything else, each with SW 6986 and one log line"
expect_fail "sign 3" nobody se05x sign 0x7f000003 -i "$T/pub/msg" -o -
assert_contains "$LAST_ERR" "denied" "sign 3"
grep -q "denied: uid $(id -u nobody) (nobody) .*: sign on 0x7F000003 .*no rule allows it" "$DLOG" ||
  { cat "$DLOG"; fail "no log line for the refused sign"; }
expect_fail "read 3" nobody se05x read 0x7f000003
assert_contains "$LAST_ERR" "denied" "read 3"
expect_fail "sign 2 (read only)" nobody se05x sign 0x7f000002 -i "$T/pub/msg" -o -
expect_fail "generate" nobody se05x generate ec 0x7f000004
grep -q "denied: uid $(id -u nobody) (nobody) .*: write on 0x7F000004" "$DLOG" || fail "no log line for the write"
expect_fail "delete" nobody se05x delete 0x7f000001
grep -q "denied: uid $(id -u nobody) (nobody) .*: delete on 0x7F000001" "$DLOG" || fail "no log line for the delete"
t se05x exists 0x7f000001 >/dev/null || fail "nobody deleted 0x7F000001"
if t se05x exists 0x7f000004 >/dev/null 2>&1; then fail "nobody created 0x7F000004"; fi
expect_fail "reset" nobody se05x reset --yes
t se05x exists 0x7f000002 >/dev/null || fail "nobody erased the chip"
[ "$(status_field denied)" -ge 5 ] || fail "refusals not counted"

note "applet sessions are per client: another client cannot use them"
out=$(t $PY session-steal "$DSOCK" 7DA00011) || fail "session test: $out"
assert_contains "$out" "owner VerifySessionUserID 9000" "session owner"
assert_contains "$out" "owner GetVersion in session 9000" "session owner"
assert_contains "$out" "other client in that session 6986" "session stealing"
grep -q "the applet session belongs to another client" "$DLOG" || fail "no log line for the session theft"
daemon_stop

note "no access list: socket 0660 with the daemon's group, nobody cannot connect"
daemon_start --chip "$CHIP" --scp03-keys "$T/keys.txt"
[ "$(stat -c %a "$DSOCK")" = 660 ] || fail "socket without an access list is not 0660"
expect_fail "nobody without a list" nobody se05x info
t se05x info >/dev/null 2>&1 || fail "root without a list"
daemon_stop
daemon_start --chip "$CHIP" --scp03-keys "$T/keys.txt" --socket-mode 0600
[ "$(stat -c %a "$DSOCK")" = 600 ] || fail "--socket-mode ignored"
daemon_stop
echo OK
