#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The i2c-dev LD_PRELOAD shim itself: NACK semantics, NXP 2+1+N and 3+N
# splits, 260-byte flush reads, wrong address, pass-through of other files.
. "$SE05X_HELPERS/lib.sh"
sim_start
SE05X_SHIM_TARGET="127.0.0.1:$SIM_PORT" LD_PRELOAD="$SE05X_BUILD/tests/libse05x_i2c_shim.so" \
  ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" \
  "$SE05X_BUILD/tests/shim_check" || fail "shim checks"
note "without SE05X_SHIM_TARGET the shim is inert"
LD_PRELOAD="$SE05X_BUILD/tests/libse05x_i2c_shim.so" ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" \
  "$SE05X_BUILD/tests/shim_check" >/dev/null 2>&1 && fail "shim active without a target"
exit 0
