# SPDX-License-Identifier: Apache-2.0
# A dropped link in the middle of a stream of signatures (sourced by
# stream_<fe>.sh with FE set): the emulator is stopped and started again on
# the same port while the front end's process lives on. At most one signature
# may fail (PKCS#11: the call that finds the link gone; engine and provider
# repeat it once on a fresh session), every other one verifies, and the
# process reconnects by itself.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pool/common.sh"
pool_key
N=20
mkfifo "$T/in"
exec 3<>"$T/in"
fe_run stream $N "$T/pub.pem" <"$T/in" >"$T/out" 2>"$T/fe.err" &
pid=$!
_BG_PIDS+=("$pid")
for i in $(seq 1 600); do
  grep -q PAUSE "$T/out" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
grep -q PAUSE "$T/out" || { cat "$T/fe.err" >&2; fail "$FE: never reached the middle of the stream"; }
note "$FE: emulator restarted in the middle of $N signatures"
sim_restart
echo go >&3
wait $pid || { cat "$T/out" "$T/fe.err" >&2; fail "$FE: stream across a restart"; }
exec 3>&-
cat "$T/out"
grep -q "signatures=$N failed=[01] " "$T/out" || fail "$FE: $(cat "$T/out")"
