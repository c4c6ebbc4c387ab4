# SPDX-License-Identifier: Apache-2.0
# Shared by the T=1 integration tests (source after $SE05X_HELPERS/lib.sh).
SHIM_SO="$SE05X_BUILD/tests/libse05x_i2c_shim.so"
SIGLOOP="$SE05X_BUILD/tests/t1_sigloop"
[ -f "$SHIM_SO" ] || fail "i2c shim not built: $SHIM_SO"
[ -x "$SIGLOOP" ] || fail "t1_sigloop not built: $SIGLOOP"
export SE05X_LOCK_DIR="$T"

# use_t1_tcp — after sim_start: talk raw T=1 over TCP to that emulator
use_t1_tcp() { export EX_SSS_BOOT_SSS_PORT="t1:127.0.0.1:$SIM_PORT"; }

# shim cmd... — run cmd with /dev/i2c-N mapped onto emulator $SIM_PORT
shim() {
  SE05X_SHIM_TARGET="127.0.0.1:$SIM_PORT" LD_PRELOAD="$SHIM_SO${LD_PRELOAD:+:$LD_PRELOAD}" \
    ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}" "$@"
}

# elapsed_ms START_NS — milliseconds since START_NS (date +%s%N)
elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# sim_faults NAME — "corrupted truncated dropped" counts from the emulator log
sim_faults() { sed -n 's/.*faults injected: \([0-9]*\) corrupted, \([0-9]*\) truncated, \([0-9]*\) dropped.*/\1 \2 \3/p' "$T/$1.log" | awk '{c+=$1; t+=$2; d+=$3} END {print c+0, t+0, d+0}'; }
