#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Several processes, one bus: 8 processes x 200 ECDSA signatures at once on
# one emulated /dev/i2c-1 (LD_PRELOAD shim, one emulator in shared-bus mode:
# all connections drive ONE card-side T=1 state, like processes on one I2C
# bus). The bus lock serialises their exchanges and each process resyncs
# after another used the bus: every signature verifies, 0 errors.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start sim --t1-bus shared
shim "$SIGLOOP" -c /dev/i2c-1 --gen -n 1 >/dev/null || fail "key generation"
pids=()
for i in 1 2 3 4 5 6 7 8; do
  shim timeout 240 "$SIGLOOP" -c /dev/i2c-1 -n 200 >"$T/p$i.out" 2>"$T/p$i.err" &
  pids+=($!)
done
errors=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { errors=$((errors + 1)); cat "$T/p$((i + 1)).err" >&2; }
done
[ "$errors" -eq 0 ] || fail "$errors of 8 processes failed"
for i in 1 2 3 4 5 6 7 8; do
  grep -q "^ok 200 verified" "$T/p$i.out" || fail "process $i: not 200 verified signatures"
done
note "8 x 200 signatures verified, 0 errors"
[ -f "$T/se05x-i2c-1-0x48.lock" ] || fail "no bus lock file in \$SE05X_LOCK_DIR"

# Control (informational, not asserted: it depends on scheduling): the same
# with one lock directory per process, i.e. no common lock.
pids=()
for i in 1 2 3 4; do
  mkdir -p "$T/own$i"
  SE05X_LOCK_DIR="$T/own$i" shim timeout 60 "$SIGLOOP" -c /dev/i2c-1 -n 200 --quiet \
    >"$T/n$i.out" 2>"$T/n$i.err" &
  pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
note "control without a common bus lock: $bad of 4 processes failed"
