#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Unclaimed TRANSPORT / FACTORY_RESET auth objects (issue 9 item 2): on a
# fresh chip `se05x info` warns about each on stderr (one line: the risk and
# the fix), keeps its normal output and exit 0; once both UserIDs exist it
# says nothing. (What a TRANSPORT session may do on the emulator:
# test_sim_sessions.c, test_transport_full_access.)
. "$SE05X_HELPERS/lib.sh"
CLIENT="$SE05X_BUILD/tests/sim-jrcp-client"
SEL=00A4040010A000000396545300000001030000000000
sim_start

note "fresh chip: one warning line each for TRANSPORT and FACTORY_RESET"
se05x info >"$T/info.out" 2>"$T/info.err" || fail "info failed: $(cat "$T/info.err")"
grep -q "^applet version:" "$T/info.out" || fail "info output lost: $(cat "$T/info.out")"
[ "$(wc -l <"$T/info.err")" = 2 ] || fail "expected two warning lines, got: $(cat "$T/info.err")"
t=$(grep "TRANSPORT auth object 0x7FFF0200 is unclaimed" "$T/info.err") || fail "no TRANSPORT warning: $(cat "$T/info.err")"
assert_contains "$t" "se05x: WARNING:" "TRANSPORT warning"
assert_contains "$t" "full access to every object" "TRANSPORT warning states the risk"
assert_contains "$t" "fix: claim it at provisioning" "TRANSPORT warning states the fix"
f=$(grep "FACTORY_RESET auth object 0x7FFF0205 is unclaimed" "$T/info.err") || fail "no FACTORY_RESET warning"
assert_contains "$f" "erase every object" "FACTORY_RESET warning states the risk"
assert_contains "$f" "fix: claim it at provisioning" "FACTORY_RESET warning states the fix"
grep -q WARNING "$T/info.out" && fail "warnings went to stdout"

note "TRANSPORT only: FACTORY_RESET still warned about"
w=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 804107000C41047FFF0200420411223344 | tail -1)
[ "$w" = 9000 ] || fail "WriteUserID TRANSPORT: $w"
se05x info >/dev/null 2>"$T/info.err" || fail "info failed"
[ "$(wc -l <"$T/info.err")" = 1 ] && grep -q "FACTORY_RESET auth object 0x7FFF0205 is unclaimed" "$T/info.err" ||
  fail "after TRANSPORT: $(cat "$T/info.err")"

note "both claimed: no warning"
w=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 804107000C41047FFF0205420455667788 | tail -1)
[ "$w" = 9000 ] || fail "WriteUserID FACTORY_RESET: $w"
se05x info >/dev/null 2>"$T/info.err" || fail "info failed"
[ ! -s "$T/info.err" ] || fail "warnings although both are claimed: $(cat "$T/info.err")"
echo PASS
