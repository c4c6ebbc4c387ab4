#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Platform SCP03 link faults through scp_proxy.py (issue 10 "Bad input and
# faults"), each a clear error and never a hang (every run is bounded):
#  - a chip without SCP03 support (INITIALIZE UPDATE answered 6D00);
#  - the link dropped mid-handshake, after INITIALIZE UPDATE and after
#    EXTERNAL AUTHENTICATE;
#  - a key rotation interrupted after the chip took PUT KEY (the answer never
#    arrives), then recovered as docs/scp03.md "Key rotation" says: the old key
#    file first, then the new one.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/scp03/common.sh"

scp_keys "$T/old.txt"
scp_keys "$T/new.txt"
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf" SE05X_LOCK_DIR="$T"
sim_start simf --variant F --scp03-keys "$T/old.txt"
JRCP="127.0.0.1:$SIM_PORT"
export EX_SSS_BOOT_SCP03_PATH="$T/old.txt"

note "a chip without Platform SCP03: INITIALIZE UPDATE refused"
proxy_start refuse 1 0 50
expect_fail "no SCP03 support" t se05x -p "$PROXY" info
assert_contains "$LAST_ERR" "refused Platform SCP03 INITIALIZE UPDATE" "no SCP03 support"
assert_contains "$LAST_ERR" "SW 6D00" "no SCP03 support"
kill "${_BG_PIDS[-1]}" 2>/dev/null || true

for ins in 50 82; do
  note "the link dropped after the chip answered instruction $ins of the handshake"
  proxy_start drop 1 0 "$ins"
  expect_fail "drop after $ins" t se05x -p "$PROXY" info
  assert_contains "$LAST_ERR" "connection closed by peer" "drop after $ins"
  assert_contains "$LAST_ERR" "$PROXY" "drop after $ins"
  grep -q " DROPPED " "$PROXY_LOG" || fail "drop after $ins: the proxy dropped nothing (test did not test)"
  kill "${_BG_PIDS[-1]}" 2>/dev/null || true
done
t se05x -p "$JRCP" info >/dev/null || fail "the chip is still usable with its keys after the dropped handshakes"

note "a rotation interrupted after PUT KEY reached the chip"
proxy_start drop 1 0 D8
expect_fail "interrupted rotation" t se05x -p "$PROXY" scp03 rotate --new-keys "$T/new.txt"
assert_contains "$LAST_ERR" "the chip may hold the old or the new keys" "interrupted rotation"
grep -q " DROPPED " "$PROXY_LOG" || fail "interrupted rotation: PUT KEY never reached the chip"
kill "${_BG_PIDS[-1]}" 2>/dev/null || true
note "recovery as documented: the old key file first, then the new one"
EX_SSS_BOOT_SCP03_PATH="$T/old.txt" expect_fail "old keys after the interrupted rotation" t se05x -p "$JRCP" info
assert_contains "$LAST_ERR" "card cryptogram mismatch" "old keys after the interrupted rotation"
out=$(EX_SSS_BOOT_SCP03_PATH="$T/new.txt" t se05x -p "$JRCP" info) || fail "new keys after the interrupted rotation"
assert_contains "$out" "platform-scp03" "new keys after the interrupted rotation"
echo "PASS"
