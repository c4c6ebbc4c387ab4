#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A slow operation (emulator timing model: ECDSASign takes 1.2 s, BWT 200 ms)
# completes through S(WTX) requests, over t1:HOST:PORT and over /dev/i2c-1;
# the signature verifies.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start sim --timing "bwt=200,ECDSASign=1200" --log-level debug
use_t1_tcp
se05x generate ec 0x7f000001 --curve P-256 >/dev/null || fail "generate"
se05x public 0x7f000001 -o "$T/pub.pem" || fail "public"
echo "slow" >"$T/data"
for mode in tcp shim; do
  run=(); [ $mode = shim ] && { export EX_SSS_BOOT_SSS_PORT=/dev/i2c-1; run=(shim); }
  note "slow ECDSASign over $mode"
  SE05X_LOG=debug "${run[@]}" se05x sign 0x7f000001 -i "$T/data" -o "$T/sig.$mode" 2>"$T/err.$mode" ||
    { cat "$T/err.$mode" >&2; fail "$mode: slow sign failed"; }
  n=$(grep -c "S(WTX) from the chip" "$T/err.$mode" || true)
  [ "$n" -ge 1 ] || { cat "$T/err.$mode" >&2; fail "$mode: no WTX seen by the host"; }
  note "$mode: $n WTX answered"
  openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.$mode" "$T/data" >/dev/null ||
    fail "$mode: signature does not verify"
done
grep -q "S(WTX)" "$T/sim.log" || fail "emulator log shows no WTX"
