#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x-sim command line: --help, option errors, --port 0/--port-file, ATR and
# SELECT over JRCP v1, --unix, --stats, JRCP v2 refusal, state dir lock,
# corrupted state refusal, clean SIGTERM.
. "$SE05X_HELPERS/lib.sh"
CLIENT="$SE05X_BUILD/tests/sim-jrcp-client"
SEL=00A4040010A000000396545300000001030000000000

se05x-sim --help | grep -q -- "--state DIR" || fail "--help does not describe --state"
expect_fail "no --state" se05x-sim --port 0
assert_contains "$LAST_ERR" "--state DIR is required"
expect_fail "bad variant" se05x-sim --state "$T/x" --variant Z
expect_fail "bad page" se05x-sim --state "$T/x" --idlist-page 0
expect_fail "bad option" se05x-sim --state "$T/x" --bogus
expect_fail "bad --timing" se05x-sim --state "$T/x" --port 0 --timing "ECDSASign=soon"
assert_contains "$LAST_ERR" "invalid --timing" "--timing is checked at start"
expect_fail "bad --t1-bus" se05x-sim --state "$T/x" --port 0 --t1-bus ring

note "--port 0 + --port-file, ATR, SELECT, stats"
sim_start sim --stats "$T/stats.jsonl"
grep -qE '^[0-9]+$' "$T/sim.port" || fail "port file is not a decimal number"
[ "$(tail -c1 "$T/sim.port" | od -An -c | tr -d ' ')" = '\n' ] || fail "port file has no newline"
out=$("$CLIENT" "127.0.0.1:$SIM_PORT" atr apdu "$SEL" apdu 8004002000 close)
[ "$(echo "$out" | sed -n 1p)" = 00A0000003960403E800FE020B03E80801000000006400000A4A434F5034204154504F ] ||
  fail "ATR: $out"
[ "$(echo "$out" | sed -n 2p)" = 0301006FFF010B9000 ] || fail "SELECT: $out"
[ "$(echo "$out" | sed -n 3p)" = 418200070301006FFF010B9000 ] || fail "GetVersion: $out"
for i in $(seq 1 50); do [ -s "$T/stats.jsonl" ] && break; sleep 0.05; done
grep -q '"proto":"jrcp","apdus":2,' "$T/stats.jsonl" || fail "stats line: $(cat "$T/stats.jsonl")"
grep -q '"wire_rx":' "$T/stats.jsonl" || fail "stats line lacks wire_rx"
[ "$(stat -c %a "$SIM_STATE")" = 700 ] || fail "state dir is not 0700"
[ "$(stat -c %a "$SIM_STATE/state")" = 600 ] || fail "state file is not 0600"

note "the attestation certificate F0000013 chains to DIR/ca.crt"
cert=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 800200000000064104F00000130000 | tail -1)
case "$cert" in 418*9000) ;; *) fail "certificate read: $cert" ;; esac
python3 -c 'import sys; h=sys.argv[1]; sys.stdout.buffer.write(bytes.fromhex(h[8:-4]))' "$cert" >"$T/att.der"
openssl x509 -inform DER -in "$T/att.der" -out "$T/att.pem" || fail "F0000013 is not an X.509 certificate"
openssl verify -CAfile "$SIM_STATE/ca.crt" "$T/att.pem" >/dev/null || fail "F0000013 does not chain to ca.crt"
pub=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 800200000000064104F00000120000 | tail -1)
case "$pub" in 4182004104*9000) ;; *) fail "attestation key read: $pub" ;; esac
openssl x509 -in "$T/att.pem" -noout -pubkey | openssl pkey -pubin -outform DER | tail -c 65 | od -An -tx1 |
  tr -d ' \n' | tr a-f A-F | grep -q "${pub:8:130}" || fail "certificate key differs from F0000012"

note "JRCP v2 first byte is refused with a log line, server keeps running"
"$CLIENT" "127.0.0.1:$SIM_PORT" raw A500FF00 expect-close >/dev/null
for i in $(seq 1 50); do grep -q "JRCP v2" "$T/sim.log" && break; sleep 0.05; done
grep -q "JRCP v2" "$T/sim.log" || fail "no JRCP v2 log line"
"$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" | grep -q 9000$ || fail "server dead after JRCP v2 peer"

note "a second emulator on the same state dir is refused"
expect_fail "shared state dir" se05x-sim --state "$SIM_STATE" --port 0
assert_contains "$LAST_ERR" "state directory $SIM_STATE is in use by another se05x-sim (pid $SIM_PID)"

note "SIGTERM stops cleanly"
kill -TERM "$SIM_PID"
rc=0; wait "$SIM_PID" || rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"

note "unix socket only"
mkdir -p "$T/u.state"
se05x-sim --state "$T/u.state" --unix "$T/sim.sock" >"$T/simu.log" 2>&1 &
UPID=$!; _SIM_PIDS+=("$UPID")
for i in $(seq 1 100); do [ -S "$T/sim.sock" ] && break; sleep 0.05; done
[ -S "$T/sim.sock" ] || fail "no unix socket"
"$CLIENT" "unix:$T/sim.sock" apdu "$SEL" apdu 8004002000 | tail -1 | grep -q 9000$ || fail "unix JRCP"
sim_stop "$UPID"
[ ! -e "$T/sim.sock" ] || fail "unix socket left behind"

note "--unix never replaces a file that is not a socket"
echo keep >"$T/plain.file"
expect_fail "unix path is a file" se05x-sim --state "$T/u2.state" --unix "$T/plain.file"
[ "$(cat "$T/plain.file")" = keep ] || fail "a regular file was replaced by the unix socket"

note "--curves instantiates Weierstrass curves at start"
expect_fail "bad curve" se05x-sim --state "$T/x" --curves 11
sim_start cur --curves 03,10
out=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 80020B2500 apdu 800161000941047F000001420103 apdu 800161000941047F000002420104)
[ "$(echo "$out" | sed -n 2p)" = 4182001101010201010101010101010101010102019000 ] || fail "curve list: $out"
[ "$(echo "$out" | sed -n 3p)" = 9000 ] || fail "P-256 key on a preset curve: $out"
[ "$(echo "$out" | sed -n 4p)" = 6985 ] || fail "P-384 key without its curve: $out"
sim_stop

note "--scp03-keys: a bad file is refused, a good one serves INITIALIZE UPDATE"
expect_fail "missing key file" se05x-sim --state "$T/x" --scp03-keys "$T/none.txt"
assert_contains "$LAST_ERR" "cannot open SCP03 key file"
printf 'ENC 1234\n' >"$T/bad.txt"
expect_fail "bad key file" se05x-sim --state "$T/x" --scp03-keys "$T/bad.txt"
printf '# keys\nENC 35C256458958A34F6136155F8209D6CD\nMAC AF177D5DBDF7C0D5C10A05B9F1607F78\nDEK A1BC8438BF77935B361A4425FE79FA29\n' >"$T/keys.txt"
sim_start scp --scp03-keys "$T/keys.txt"
iu=$("$CLIENT" "127.0.0.1:$SIM_PORT" apdu "$SEL" apdu 80500B00080102030405060708 | tail -1)
[ ${#iu} = 62 ] && [ "${iu:20:4}" = 0B03 ] && [ "${iu: -4}" = 9000 ] || fail "INITIALIZE UPDATE: $iu"
sim_stop

note "a corrupted state file is refused"
printf 'garbage' | dd of="$SIM_STATE/state" bs=1 seek=40 conv=notrunc 2>/dev/null
expect_fail "corrupted state" se05x-sim --state "$SIM_STATE" --port 0
assert_contains "$LAST_ERR" "corrupted"
echo PASS
