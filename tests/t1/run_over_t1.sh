#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs other components' integration scripts unchanged with every emulator
# reached over T=1: run_over_t1.sh MODE DIR/SCRIPT... (relative to tests/,
# without .sh). MODE tcp = t1:127.0.0.1:PORT, shim = /dev/i2c-1 through the
# i2c-dev LD_PRELOAD shim. Works by pointing SE05X_HELPERS at tests/t1/helpers,
# whose lib.sh wraps sim_start (see there).
set -euo pipefail
mode=$1; shift
export SE05X_REAL_HELPERS="$SE05X_HELPERS"
export SE05X_HELPERS="$(cd "$(dirname "$0")" && pwd)/helpers"
export SE05X_T1_MODE="$mode"
for s in "$@"; do
  f="$SE05X_SRC/tests/$s.sh"
  [ -f "$f" ] || { echo "SKIP: $f not found"; exit 77; }
  echo "== $s.sh over T=1 ($mode)"
  bash "$f"
done
