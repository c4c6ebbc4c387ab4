# SPDX-License-Identifier: Apache-2.0
# Shared by the session-pool tests (source after $SE05X_HELPERS/lib.sh, with
# FE=engine|provider|pkcs11 set): one P-256 key 0x7F000001 on a fresh
# emulator, its public key in $T/pub.pem, and the pool_fe driver.
POOL_FE="$SE05X_BUILD/tests/pool_fe"
[ -x "$POOL_FE" ] || fail "pool_fe not built: $POOL_FE"
export ENGINE_LIB="$SE05X_LIBDIR/libsss_engine.so"
export OPENSSL_MODULES="$SE05X_LIBDIR"
export P11_MODULE="$SE05X_LIBDIR/libsss_pkcs11.so"
export OPENSSL_CONF=/dev/null
export XDG_CONFIG_HOME="$T/config"

# pool_key [sim args...] — emulator + key + $T/pub.pem
pool_key() {
  sim_start sim "$@"
  se05x generate ec 0x7f000001 >/dev/null 2>"$T/gen.err" || fail "generate: $(cat "$T/gen.err")"
  seTool getPublic 0x7f000001 "$T/pub.pem" >/dev/null 2>&1 || fail "seTool getPublic"
}

# sim_restart — stops the emulator and starts it again on the same port and state
sim_restart() {
  sim_stop "$SIM_PID"
  rm -f "$T/sim2.port"
  se05x-sim --state "$SIM_STATE" --port "$SIM_PORT" --port-file "$T/sim2.port" "$@" >"$T/sim2.log" 2>&1 &
  SIM_PID=$!
  _SIM_PIDS+=("$SIM_PID")
  local i
  for i in $(seq 1 200); do
    [ -s "$T/sim2.port" ] && return 0
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$T/sim2.log" >&2
  fail "emulator did not restart on port $SIM_PORT"
}

# fe_run ARGS... — pool_fe for $FE (with the sanitizer runtime when modules are sanitized)
fe_run() { "$POOL_FE" "$FE" "$@"; }
