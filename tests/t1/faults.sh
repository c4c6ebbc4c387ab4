#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# 2,000 ECDSA signatures over T=1 while the emulator corrupts, truncates or
# drops 2% of the frames in both directions (seeded): every signature
# verifies, none is missing, the run ends. Then 400 more over /dev/i2c-1
# (LD_PRELOAD shim) with another seed. The emulator advertises BWT 100 ms
# so each lost frame costs ~0.2 s of waiting, not 1.5 s.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start sim --faults 0.02 --fault-seed 42 --timing bwt=100
use_t1_tcp
note "2000 signatures over t1:127.0.0.1:$SIM_PORT, 2% faults"
timeout 240 "$SIGLOOP" --gen -n 2000 >"$T/loop.out" 2>"$T/loop.err" ||
  { cat "$T/loop.err" >&2; fail "signature loop over faulty T=1 failed"; }
grep -q "^ok 2000 verified" "$T/loop.out" || { cat "$T/loop.out"; fail "not all 2000 signatures verified"; }
cat "$T/loop.out"
sim_stop
read -r c t d < <(sim_faults sim)
note "faults injected: $c corrupted, $t truncated, $d dropped"
[ $((c + t + d)) -ge 40 ] || fail "too few faults injected ($c/$t/$d): the test proves nothing"
[ "$c" -gt 0 ] && [ "$t" -gt 0 ] && [ "$d" -gt 0 ] || fail "every kind of fault must occur"

sim_start sim2 --faults 0.02 --fault-seed 7 --timing bwt=100
note "400 signatures over /dev/i2c-1 (shim), 2% faults"
shim timeout 120 "$SIGLOOP" -c /dev/i2c-1 --gen -n 400 >"$T/loop2.out" 2>"$T/loop2.err" ||
  { cat "$T/loop2.err" >&2; fail "signature loop over the faulty i2c bus failed"; }
grep -q "^ok 400 verified" "$T/loop2.out" || fail "not all 400 signatures verified"
cat "$T/loop2.out"
sim_stop
read -r c t d < <(sim_faults sim2)
[ $((c + t + d)) -ge 5 ] || fail "too few faults injected on the i2c run"
note "i2c faults injected: $c corrupted, $t truncated, $d dropped"
