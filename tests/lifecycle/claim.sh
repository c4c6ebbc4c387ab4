#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Claim of the reserved auth objects (docs/production.md "Claim"). The raw-APDU
# attack (attack.c: write the TRANSPORT / FACTORY_RESET UserID with the
# attacker's value, open a session with it, delete a locked key / DeleteAll)
# succeeds on an unclaimed chip — so this test can fail — and is refused
# after `se05x claim`; `se05x info` tells the claim state; claiming twice,
# bad secret files: a clear error and no write APDU.
. "$SE05X_HELPERS/lib.sh"
ATTACK="$SE05X_BUILD/tests/lifecycle_attack"
echo "claim test" >"$T/msg"

# writes_of_last: "writes" of the last connection in the stats file
writes_of_last() { tail -1 "$T/stats.jsonl" | sed -n 's/.*"writes":\([0-9]*\).*/\1/p'; }

se05x claim --help | grep -q "^Usage: se05x claim" || fail "claim --help"

note "unclaimed chip: the TRANSPORT attack deletes a locked key, the FACTORY_RESET attack wipes the chip"
sim_start open
se05x generate ec 0x20E90001 --locked >/dev/null
out=$(se05x info 2>"$T/info.err")
assert_contains "$out" "TRANSPORT 0x7FFF0200:       NOT CLAIMED" "info unclaimed"
assert_contains "$(cat "$T/info.err")" "WARNING: TRANSPORT auth object 0x7FFF0200 is unclaimed" "info warning"
"$ATTACK" "$EX_SSS_BOOT_SSS_PORT" transport 0x20E90001 >"$T/attack.out" || fail "TRANSPORT attack failed on an unclaimed chip: $(cat "$T/attack.out")"
assert_contains "$(cat "$T/attack.out")" "ATTACK SUCCEEDED" "unclaimed TRANSPORT"
se05x exists 0x20E90001 >/dev/null && fail "the locked key survived a TRANSPORT session"
se05x generate ec 0x20E90002 --locked >/dev/null
"$ATTACK" "$EX_SSS_BOOT_SSS_PORT" reset >"$T/attack.out" || fail "FACTORY_RESET attack failed on an unclaimed chip: $(cat "$T/attack.out")"
se05x exists 0x20E90002 >/dev/null && fail "the locked key survived DeleteAll"
sim_stop

note "se05x claim (random secrets): info says claimed, both attacks refused, the locked key survives"
sim_start claimed --stats "$T/stats.jsonl"
se05x generate ec 0x20E90001 --locked >/dev/null
se05x public 0x20E90001 -o "$T/k.pub"
out=$(se05x claim 2>&1) || fail "claim"
assert_contains "$out" "claimed TRANSPORT 0x7FFF0200 (random secret, not stored" "claim output"
assert_contains "$out" "claimed FACTORY_RESET 0x7FFF0205" "claim output"
out=$(se05x info 2>"$T/info.err")
assert_contains "$out" "TRANSPORT 0x7FFF0200:       claimed" "info claimed"
assert_contains "$out" "FACTORY_RESET 0x7FFF0205:   claimed" "info claimed"
[ ! -s "$T/info.err" ] || fail "warnings after the claim: $(cat "$T/info.err")"
rc=0; "$ATTACK" "$EX_SSS_BOOT_SSS_PORT" transport 0x20E90001 >"$T/attack.out" || rc=$?
[ $rc = 1 ] || fail "TRANSPORT attack after the claim: rc $rc: $(cat "$T/attack.out")"
assert_contains "$(cat "$T/attack.out")" "WriteUserID 0x7FFF0200 with the attacker's value: SW 6986" "rewrite denied"
assert_contains "$(cat "$T/attack.out")" "session with 0x7FFF0200 refused" "session refused"
rc=0; "$ATTACK" "$EX_SSS_BOOT_SSS_PORT" reset >"$T/attack.out" || rc=$?
[ $rc = 1 ] || fail "FACTORY_RESET attack after the claim: rc $rc: $(cat "$T/attack.out")"
se05x sign 0x20E90001 -i "$T/msg" -o "$T/sig" || fail "locked key gone after the attacks"
openssl dgst -sha256 -verify "$T/k.pub" -signature "$T/sig" "$T/msg" >/dev/null || fail "signature"
# the attacker cannot delete the claimed objects either (no session: no DELETE right)
"$SE05X_BUILD/tests/sim-jrcp-client" "127.0.0.1:$SIM_PORT" apdu 00A4040010A000000396545300000001030000000000 \
  apdu 800400280641047FFF0200 >"$T/del.out" 2>&1 || true
[ "$(tail -1 "$T/del.out")" = 6986 ] || fail "delete of the claimed TRANSPORT: $(cat "$T/del.out")"

note "claiming again: clear error, no write APDU"
expect_fail "claim twice" se05x claim
assert_contains "$LAST_ERR" "TRANSPORT 0x7FFF0200 already exists" "claim twice"
assert_contains "$LAST_ERR" "(already claimed); nothing changed" "claim twice"
[ "$(writes_of_last)" = 0 ] || fail "claim twice sent $(writes_of_last) write APDUs"
expect_fail "claim --only factory-reset twice" se05x claim --only factory-reset
[ "$(writes_of_last)" = 0 ] || fail "claim --only twice sent write APDUs"
sim_stop

note "owner's secret from a file: stored (the owner opens a TRANSPORT session), not rewritable"
sim_start owner --stats "$T/stats.jsonl"
printf 'owner-secret-42' >"$T/tsecret"; chmod 600 "$T/tsecret"
printf 'reset-secret' >"$T/rsecret"; chmod 644 "$T/rsecret"
expect_fail "world-readable secret" se05x claim --transport-secret "$T/tsecret" --reset-secret "$T/rsecret"
assert_contains "$LAST_ERR" "must belong to you and be private" "mode check"
[ "$(writes_of_last)" = 0 ] || fail "a bad secret file still wrote"
chmod 600 "$T/rsecret"
printf 'abc' >"$T/short"; chmod 600 "$T/short"
expect_fail "3-byte secret" se05x claim --transport-secret "$T/short"
assert_contains "$LAST_ERR" "4 to 16 bytes" "length check"
ln -s "$T/tsecret" "$T/link"
expect_fail "symlinked secret" se05x claim --transport-secret "$T/link"
assert_contains "$LAST_ERR" "symbolic link" "symlink refused"
rc=0; se05x claim --only nothing >/dev/null 2>&1 || rc=$?; [ $rc = 2 ] || fail "--only nothing: rc $rc"
se05x exists 0x7FFF0200 >/dev/null && fail "bad input created TRANSPORT"
out=$(se05x claim --transport-secret "$T/tsecret" --reset-secret "$T/rsecret" 2>&1) || fail "claim with files"
assert_contains "$out" "claimed TRANSPORT 0x7FFF0200 (owner's secret from file)" "claim with file"
se05x generate ec 0x20E90003 --locked >/dev/null
rc=0; "$ATTACK" "$EX_SSS_BOOT_SSS_PORT" transport 0x20E90003 >"$T/attack.out" || rc=$?
[ $rc = 1 ] || fail "attacker with another value: rc $rc"
"$ATTACK" "$EX_SSS_BOOT_SSS_PORT" transport 0x20E90003 owner-secret-42 >"$T/owner.out" ||
  fail "the owner's TRANSPORT session failed: $(cat "$T/owner.out")"
assert_contains "$(cat "$T/owner.out")" "SW 6986" "even the owner cannot rewrite it outside a session"
echo PASS
