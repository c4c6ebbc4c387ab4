#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x-sim.service: systemd accepts it, its hardening rates "OK" (exposure
# <= 2.0 in systemd-analyze security), and the emulator runs with the unit's
# own command line and state directory semantics (a fresh 0700 directory).
. "$SE05X_HELPERS/lib.sh"
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze (systemd) not installed"; exit 77; }
unit="$SE05X_BUILD/dist/se05x-sim.service"
[ -f "$unit" ] || fail "no $unit"
mkdir -p "$T/u"
# the unit as installed, pointing at this build's emulator
sed "s|^ExecStart=[^ ]*/se05x-sim |ExecStart=$SE05X_BIN/se05x-sim |" "$unit" >"$T/u/se05x-sim.service"
systemd-analyze verify --man=no "$T/u/se05x-sim.service" >"$T/verify.out" 2>&1 || { cat "$T/verify.out" >&2; fail "systemd-analyze verify"; }
[ ! -s "$T/verify.out" ] || { cat "$T/verify.out" >&2; fail "systemd-analyze verify warnings"; }
systemd-analyze security --offline=true --threshold=20 "$T/u/se05x-sim.service" >"$T/sec.out" 2>&1 ||
  { tail -5 "$T/sec.out" >&2; fail "unit hardening exposure above 2.0"; }
note "$(grep -o 'Overall exposure level.*' "$T/sec.out")"
# ExecStart's arguments, with the state directory systemd makes (0700) and a free port
args=$(sed -n 's/^ExecStart=[^ ]* //p' "$unit")
[ -n "$args" ] || fail "no ExecStart"
mkdir -m 700 "$T/state"
# shellcheck disable=SC2086
set -- $(echo "$args" | sed "s|--state /var/lib/se05x-sim|--state $T/state|; s|--port 8050|--port 0|")
se05x-sim "$@" --port-file "$T/port" >"$T/sim.log" 2>&1 &
_SIM_PIDS+=($!)
for _ in $(seq 1 300); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || { cat "$T/sim.log" >&2; fail "the unit's command line does not start the emulator"; }
EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(cat "$T/port")" se05x info >/dev/null || fail "emulator started with the unit's arguments does not answer"
note ok
