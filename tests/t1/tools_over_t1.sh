#!/usr/bin/env bash
# Runs the tools engineer's integration scripts (tests/tools/*.sh) unchanged,
# with every emulator reached over T=1: usage tools_over_t1.sh MODE SCRIPT...
# (MODE tcp = t1:127.0.0.1:PORT, shim = /dev/i2c-1 through the LD_PRELOAD shim).
set -euo pipefail
mode=$1; shift
export SE05X_REAL_HELPERS="$SE05X_HELPERS"
export SE05X_HELPERS="$(cd "$(dirname "$0")" && pwd)/helpers"
export SE05X_T1_MODE="$mode"
for s in "$@"; do
  f="$SE05X_SRC/tests/tools/$s.sh"
  [ -f "$f" ] || { echo "SKIP: $f not found"; exit 77; }
  echo "== tools/$s.sh over T=1 ($mode)"
  bash "$f"
done
