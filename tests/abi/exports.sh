#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# libse05x.so exports only se05x_* functions, all in version node SE05X_0,
# and its SONAME is libse05x.so.0 (docs/api.md "ABI rules").
# Usage: exports.sh path/to/libse05x.so
set -euo pipefail
so=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v nm >/dev/null || { echo "SKIP: nm not installed"; exit 77; }
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libse05x.so.0 ] || fail "SONAME is '$soname', want libse05x.so.0"
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
[ -n "$syms" ] || fail "no exported symbols in $so"
bad=$(printf '%s\n' "$syms" | grep -v '^SE05X_0$' | grep -v '^se05x_[a-z0-9_]*@@SE05X_0$' || true)
[ -z "$bad" ] || fail "exported outside se05x_* / SE05X_0: $(echo "$bad" | tr '\n' ' ')"
printf '%s\n' "$syms" | grep -qx 'se05x_version@@SE05X_0' || fail "se05x_version not exported"
n=$(printf '%s\n' "$syms" | grep -c '^se05x_')
echo "ok: $n se05x_* symbols, all @@SE05X_0, SONAME $soname"
