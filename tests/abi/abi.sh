#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The ABI of build/lib/libse05x.so against the committed baseline
# tests/abi/libse05x.abi (libabigail's abidiff). Passes when nothing changed
# or when the only changes are additions (new functions; new enum members at
# the end, which abidiff counts as harmless); fails on anything removed or
# changed (a function's signature, a public struct's size or layout, an enum
# member's value). A deliberate change of the baseline: scripts/abi-baseline
# (docs/api.md "ABI rules").
# Usage: abi.sh SRC_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
so=$build/lib/libse05x.so
base=$src/tests/abi/libse05x.abi
command -v abidiff >/dev/null || { echo "SKIP: abidiff not installed (abigail-tools)"; exit 77; }
[ -f "$base" ] || { echo "FAIL: no baseline $base (scripts/abi-baseline)" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/se05x-abi.XXXXXX")
trap 'rm -rf "$T"' EXIT
set +e
# (the baseline holds the public types only; an opaque type such as
# se05x_session is a declaration there, so its private layout is not compared)
abidiff --no-show-locs "$base" "$so" >"$T/diff" 2>&1
rc=$?
set -e
# abidiff's exit status is a bit mask: 1 error, 2 usage, 4 ABI change,
# 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
  cat "$T/diff" >&2; echo "FAIL: abidiff could not compare (status $rc)" >&2; exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
  cat "$T/diff" >&2; echo "FAIL: incompatible ABI change against $base" >&2; exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
  # only additions are allowed: every "Removed"/"Changed" count must be 0
  if grep -qE '[1-9][0-9]* (Removed|Changed)' "$T/diff"; then
    cat "$T/diff" >&2; echo "FAIL: ABI change (not an addition) against $base" >&2; exit 1
  fi
  echo "ok: only additions against the baseline:"; cat "$T/diff"
  exit 0
fi
echo "ok: ABI identical to $base"
