#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# System calls per APDU on the se05xd path (docs/daemon.md "Performance").
# Starts se05x-sim and se05xd (plain link), then runs `bench_daemon --loop`
# (N GetVersion APDUs) directly against the emulator (JRCP/TCP) and through
# the daemon (JRCP/unix), counting the system calls of the client and of the
# daemon per APDU. The client's open and close are taken out by a second run
# with 0 APDUs.
#   TOOL=strace (default): `strace -f -c`; slows every call down, which
#     changes how often an answer is already there when it is read.
#   TOOL=perf: `perf stat` on the syscall tracepoints, almost no slowdown;
#     also counts the context switches (a process going to sleep and being
#     woken, the expensive part on a loaded VM).
# Usage: bench/strace_daemon.sh [BIN_DIR] [N]   (default build/bin, 5000)
set -euo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
N=${2:-5000}
TOOL=${TOOL:-strace}
command -v "$TOOL" >/dev/null || { echo "strace_daemon: $TOOL not installed" >&2; exit 1; }
T=$(mktemp -d /tmp/strace_daemon.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$T"
}
trap cleanup EXIT
export SE05X_CONF=/dev/null
unset EX_SSS_BOOT_SCP03_PATH
mkdir "$T/state"
"$BIN/se05x-sim" --state "$T/state" --port 0 --port-file "$T/port" 2>"$T/sim.log" &
PIDS+=($!)
for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
PORT=$(cat "$T/port")
"$BIN/se05xd" --chip "127.0.0.1:$PORT" --listen "unix:$T/d.sock" --auth none 2>"$T/d.log" &
DPID=$!
PIDS+=($DPID)
for _ in $(seq 200); do [ -S "$T/d.sock" ] && break; sleep 0.05; done
"$BIN/bench_daemon" --loop "unix:$T/d.sock" 200 # warm up (the daemon opens the chip)

EV=raw_syscalls:sys_enter,context-switches
for s in sendto recvfrom poll ppoll read write sendmsg recvmsg; do EV+=",syscalls:sys_enter_$s"; done
# run OUT ARGS...: the counts of one process (tree) into OUT as "name count" lines
run() {
  local out=$1; shift
  if [ "$TOOL" = strace ]; then
    strace -f -c -o "$out.raw" "$@"
    awk '/^-+/ {s++; next} s == 1 && NF >= 5 {print $NF, $4; if (NF == 6) print $NF "(failed)", $5}
         $NF == "total" {print "total", $4}' "$out.raw" >"$out"
  else
    perf stat -x, -e "$EV" -o "$out.raw" "$@"
    fold_perf "$out.raw" >"$out"
  fi
}
fold_perf() { # perf stat -x, output -> "name count"
  awk -F, '$1 ~ /^[0-9]+$/ {n = $3; sub(/^(raw_)?syscalls:sys_enter_?/, "", n);
    if (n == "") n = "total"; print n, $1}' "$1"
}
# show NAME A [B]: per-APDU counts of A (minus B)
show() {
  local a=$2 b=${3:-/dev/null}
  awk -v n="$N" -v b="$b" 'FILENAME == b {base[$1] = $2; next} {v[$1] = $2 - base[$1]}
    END {printf "%s", "'"$1"'"; if ("total" in v) printf "  %.2f syscalls per APDU", v["total"] / n; printf "\n";
         for (k in v) if (k != "total" && v[k] / n >= 0.005) printf "    %-18s %6.2f\n", k, v[k] / n}' "$b" "$a"
}

echo "strace_daemon ($TOOL): $N GetVersion APDUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run "$T/d0" "$BIN/bench_daemon" --loop "127.0.0.1:$PORT" 0
run "$T/dn" "$BIN/bench_daemon" --loop "127.0.0.1:$PORT" "$N"
show "client, directly to the emulator (JRCP/TCP):" "$T/dn" "$T/d0"
# the daemon: attached for the client's run through it
if [ "$TOOL" = strace ]; then
  strace -f -c -o "$T/s.raw" -p "$DPID" 2>/dev/null &
  SPID=$!
  for _ in $(seq 100); do grep -q 'TracerPid:.[1-9]' "/proc/$DPID/status" && break; sleep 0.05; done
else
  perf stat -x, -e "$EV" -o "$T/s.raw" -p "$DPID" &
  SPID=$!
  sleep 1
fi
run "$T/v0" "$BIN/bench_daemon" --loop "unix:$T/d.sock" 0
run "$T/vn" "$BIN/bench_daemon" --loop "unix:$T/d.sock" "$N"
kill -INT $SPID
wait $SPID 2>/dev/null || true
show "client, through se05xd (JRCP/unix):" "$T/vn" "$T/v0"
if [ "$TOOL" = strace ]; then
  awk '/^-+/ {s++; next} s == 1 && NF >= 5 {print $NF, $4; if (NF == 6) print $NF "(failed)", $5}
       $NF == "total" {print "total", $4}' "$T/s.raw" >"$T/s"
else
  fold_perf "$T/s.raw" >"$T/s"
fi
show "se05xd (both clients' connections, $N APDUs):" "$T/s"
