#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Session core against the emulator: JRCP open/SELECT, NOT_FOUND costing one
# extra APDU, two sessions, threads, trace redaction of a real key write,
# raw T=1 on the same port, and a refused port named in the error.
. "$SE05X_HELPERS/lib.sh"
command -v se05x-sim >/dev/null || { echo "se05x-sim not built: skipped"; exit 77; }
client="$SE05X_BUILD/tests/core_sim_client"

sim_start
log="$T/trace.log"
"$client" 127.0.0.1 "$SIM_PORT" "$log" || fail "session core against the emulator"

grep -q "apdu trace: 127.0.0.1:$SIM_PORT C-APDU" "$log" || fail "no APDU trace in $log"
grep -q "43 10 <redacted 16 bytes>" "$log" || fail "AES key not shown as redacted"
if grep -q "AB AB AB AB" "$log"; then fail "key bytes leaked into the trace"; fi
grep -q "R-APDU .*<redacted 16 bytes> 90 00" "$log" || fail "random bytes not redacted"

# a refused port: clear one-line error naming the port, no hang
port=$(free_port)
out=$(EX_SSS_BOOT_SSS_PORT=127.0.0.1:$port "$client" 127.0.0.1 "$port" "$T/x.log" 2>&1) && fail "refused port accepted"
assert_contains "$out" "cannot connect to 127.0.0.1:$port: Connection refused" "refused port"
echo "ok"
