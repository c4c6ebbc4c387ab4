#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 8 concurrent signers x 100 signatures through se05xd (chip on Platform
# SCP03), every signature verified with the public key: 0 errors. Meanwhile
# two writers store and read back 1500-byte binary objects (multi-APDU
# transactions under JRCP LOCK): their data must come back intact.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/daemon/common.sh"

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
unset EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
daemon_start --chip "127.0.0.1:$SIM_PORT" --scp03-keys "$T/keys.txt" --auth platform-scp03
SIGNER="$SE05X_BUILD/tests/daemon_signer"

for i in 1 2 3 4 5 6 7 8; do
  t se05x generate ec "0x7f0000a$i" >/dev/null || fail "generate key $i"
done

writer() { # writer N — 10 rounds of write + read back
  local k
  for k in 1 2 3 4 5 6 7 8 9 10; do
    head -c 1500 /dev/urandom >"$T/w$1.in"
    t se05x write "0x7f0000b$1" "$T/w$1.in" >/dev/null 2>>"$T/w$1.err" || { echo "write $k failed"; return 1; }
    t se05x read "0x7f0000b$1" -o "$T/w$1.out" >/dev/null 2>>"$T/w$1.err" || { echo "read $k failed"; return 1; }
    cmp -s "$T/w$1.in" "$T/w$1.out" || { echo "round $k: data differs"; return 1; }
  done
  echo "writer $1 ok"
}

note "8 signers x 100 signatures, 2 writers, all at once"
pids=()
for i in 1 2 3 4 5 6 7 8; do
  timeout 300 "$SIGNER" "7f0000a$i" 100 >"$T/s$i.out" 2>"$T/s$i.err" &
  pids+=($!)
done
for w in 1 2; do writer "$w" >"$T/writer$w.out" 2>&1 & pids+=($!); done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
for i in 1 2 3 4 5 6 7 8; do
  out=$(cat "$T/s$i.out")
  [ "$out" = "signed 100 verified 100 errors 0" ] || { cat "$T/s$i.err" >&2; fail "signer $i: '$out'"; }
done
for w in 1 2; do
  grep -q "writer $w ok" "$T/writer$w.out" || { cat "$T/writer$w.out" "$T/w$w.err" >&2; fail "writer $w"; }
done
[ $rc = 0 ] || fail "a client failed"
apdus=$(status_field apdus)
[ "$apdus" -ge 800 ] || fail "daemon counted only $apdus APDUs"
[ "$(status_field denied)" = 0 ] || fail "something was denied"
note "800 signatures verified, $apdus APDUs through the daemon"
daemon_stop
echo OK
