# SPDX-License-Identifier: Apache-2.0
# Shared by the se05xd integration tests (source after $SE05X_HELPERS/lib.sh).

# t cmd... — bounded run: a hang fails the test instead of blocking it.
t() { timeout 60 "$@"; }

# scp_keys FILE — a fresh random AES-128 Platform SCP03 key set, mode 0600
scp_keys() {
  { echo "# SCP03 test keys"
    echo "ENC $(openssl rand -hex 16)"
    echo "MAC $(openssl rand -hex 16)"
    echo "DEK $(openssl rand -hex 16)"; } >"$1"
  chmod 600 "$1"
}

# daemon_start [se05xd args...] — se05xd on $DSOCK (in $T/run, reachable by
# every user so that tests can run clients as nobody); waits until it
# answers --status. Sets DAEMON_PID, DLOG; exports EX_SSS_BOOT_SSS_PORT.
DRUN="$T/run"
DSOCK="$DRUN/se05xd.sock"
daemon_start() {
  mkdir -p "$DRUN"
  chmod 755 "$DRUN"
  chmod 711 "$T"
  DLOG="$T/se05xd.log"
  se05xd --listen "unix:$DSOCK" "$@" >>"$DLOG" 2>&1 &
  DAEMON_PID=$!
  _BG_PIDS+=("$DAEMON_PID")
  local i
  for i in $(seq 1 200); do
    se05xd --status --listen "unix:$DSOCK" >/dev/null 2>&1 && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$DLOG" >&2; fail "se05xd exited at start"; }
    sleep 0.05
  done
  se05xd --status --listen "unix:$DSOCK" >/dev/null || { cat "$DLOG" >&2; fail "se05xd did not come up"; }
  export EX_SSS_BOOT_SSS_PORT="unix:$DSOCK"
}

# daemon_stop — SIGTERM and wait; the daemon must exit 0 and remove its socket.
daemon_stop() {
  kill "$DAEMON_PID"
  local rc=0
  wait "$DAEMON_PID" || rc=$?
  [ "$rc" = 0 ] || { cat "$DLOG" >&2; fail "se05xd exited with $rc"; }
  [ ! -e "$DSOCK" ] || fail "se05xd left its socket behind"
}

# status_field NAME — one line of se05xd --status
status_field() { se05xd --status --listen "unix:$DSOCK" | sed -n "s/^$1: //p"; }
