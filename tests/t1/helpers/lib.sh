# SPDX-License-Identifier: Apache-2.0
# Test helpers for running OTHER components' integration scripts over T=1
# (tests/t1/tools_over_t1.sh points SE05X_HELPERS here). Sources the real
# tests/helpers/lib.sh, then wraps sim_start so that the connection it
# exports is T=1 instead of JRCP:
#   SE05X_T1_MODE=tcp   EX_SSS_BOOT_SSS_PORT=t1:127.0.0.1:PORT
#   SE05X_T1_MODE=shim  EX_SSS_BOOT_SSS_PORT=/dev/i2c-1 through the i2c-dev
#                       LD_PRELOAD shim (tests/i2c-shim) aimed at the emulator
. "$SE05X_REAL_HELPERS/lib.sh"
eval "$(declare -f sim_start | sed '1s/^sim_start/_jrcp_sim_start/')"
sim_start() {
  _jrcp_sim_start "$@"
  export SE05X_LOCK_DIR="$T" # the test's own lock directory, not /run/se05x
  case "${SE05X_T1_MODE:-tcp}" in
    tcp) export EX_SSS_BOOT_SSS_PORT="t1:127.0.0.1:$SIM_PORT" ;;
    shim)
      export SE05X_SHIM_TARGET="127.0.0.1:$SIM_PORT" EX_SSS_BOOT_SSS_PORT=/dev/i2c-1
      case ":${LD_PRELOAD:-}:" in *libse05x_i2c_shim.so*) ;;
        *) export LD_PRELOAD="$SE05X_BUILD/tests/libse05x_i2c_shim.so${LD_PRELOAD:+:$LD_PRELOAD}" ;;
      esac
      export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" ;;
  esac
}
