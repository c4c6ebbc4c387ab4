#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Platform SCP03 key rotation (se05x scp03 rotate, GlobalPlatform PUT KEY)
# against se05x-sim --variant F: rotate OLD -> NEW; OLD then fails with the
# cryptogram mismatch and NEW works; the new keys survive an emulator restart
# (state dir); a plain link and a malformed new key file are refused with
# nothing sent.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/scp03/common.sh"

scp_keys "$T/old.txt"
scp_keys "$T/new.txt"
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
export SE05X_LOCK_DIR="$T"
sim_start simf --variant F --scp03-keys "$T/old.txt"
JRCP="127.0.0.1:$SIM_PORT"

note "a malformed new key file: refused, nothing sent, the old keys still work"
printf 'ENC %s\nMAC zz\n' "$(openssl rand -hex 16)" >"$T/bad.txt"; chmod 600 "$T/bad.txt"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "malformed new keys" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/bad.txt"
assert_contains "$LAST_ERR" "bad.txt" "malformed new keys"
assert_contains "$LAST_ERR" "nothing sent" "malformed new keys"
cp "$T/new.txt" "$T/wide.txt"; chmod 644 "$T/wide.txt"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "new keys mode 0644" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/wide.txt"
assert_contains "$LAST_ERR" "0600" "new keys mode 0644"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "missing new keys" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/nope.txt"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" t se05x -p "$JRCP" info >/dev/null || fail "old keys after refused rotations"

note "a plain link: refused, nothing sent"
SE05X_AUTH=none expect_fail "plain link" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/new.txt"
assert_contains "$LAST_ERR" "plain" "plain link"
assert_contains "$LAST_ERR" "nothing sent" "plain link"

note "rotate OLD -> NEW"
out=$(EX_SSS_BOOT_SCP03_PATH="$T/old.txt" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/new.txt") ||
  fail "rotate"
assert_contains "$out" "PUT KEY accepted: KVN 0B" "rotate"
assert_contains "$out" "verified: new Platform SCP03 session" "rotate"
case "$out" in *"$(grep ENC "$T/new.txt" | cut -d' ' -f2)"*) fail "rotate printed a key" ;; esac

note "OLD fails with the cryptogram mismatch, NEW works"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "old keys after rotation" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "card cryptogram mismatch" "old keys after rotation"
out=$(EX_SSS_BOOT_SCP03_PATH="$T/new.txt" t se05x -p "$JRCP" info) || fail "new keys after rotation"
assert_contains "$out" "link:                       platform-scp03" "new keys"

note "the rotation survives an emulator restart (state dir wins over --scp03-keys)"
sim_stop
sim_start simf --variant F --scp03-keys "$T/old.txt"
JRCP="127.0.0.1:$SIM_PORT"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "old keys after restart" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "card cryptogram mismatch" "old keys after restart"
EX_SSS_BOOT_SCP03_PATH="$T/new.txt" t se05x -p "$JRCP" info >/dev/null || fail "new keys after restart"
st=$(stat -c %a "$SIM_STATE/scp03-keys")
[ "$st" = 600 ] || fail "state dir key record mode $st"

note "rotate back NEW -> OLD"
EX_SSS_BOOT_SCP03_PATH="$T/new.txt" t se05x -p "$JRCP" scp03 rotate --new-keys "$T/old.txt" >/dev/null ||
  fail "rotate back"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" t se05x -p "$JRCP" info >/dev/null || fail "old keys after rotating back"
echo "PASS"
