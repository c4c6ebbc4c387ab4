# SPDX-License-Identifier: Apache-2.0
# Shared helpers for integration tests (bash). Source it:
#   . "$SE05X_HELPERS/lib.sh"
# Every test gets its own temp dir ($T) and its own emulator(s) on free ports;
# everything is cleaned up on exit, whatever happens.
set -euo pipefail

: "${SE05X_BIN:?run through ctest (SE05X_BIN not set)}"
export PATH="$SE05X_BIN:$PATH"
T=$(mktemp -d "${TMPDIR:-/tmp}/se05x-test.XXXXXX")
export SE05X_LOCK_DIR="$T" # T=1 bus locks stay in the test, not in /run/se05x
# Cross builds (docs/cross.md): SE05X_EMULATOR is the qemu-user command line.
# Every target program in bin/ and tests/ gets a wrapper that runs it under
# qemu; SE05X_BIN and SE05X_BUILD point at the wrappers (no binfmt_misc needed).
if [ -n "${SE05X_EMULATOR:-}" ]; then
  _emu() { # _emu <real dir> <wrapper dir>: wrap ELF executables, link the rest
    local f
    mkdir -p "$2"
    for f in "$1"/*; do
      if [ -f "$f" ] && [ -x "$f" ] && [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = 177ELF ]; then
        printf '#!/bin/sh\nexec %s %q "$@"\n' "$SE05X_EMULATOR" "$f" >"$2/${f##*/}"
        chmod +x "$2/${f##*/}"
      else
        ln -s "$f" "$2/${f##*/}"
      fi
    done
  }
  _emu "$SE05X_BIN" "$T/.emu/bin"
  mkdir -p "$T/.emu/build"
  for _f in "$SE05X_BUILD"/*; do
    [ "${_f##*/}" = tests ] || [ "${_f##*/}" = bin ] || ln -s "$_f" "$T/.emu/build/${_f##*/}"
  done
  _emu "$SE05X_BUILD/tests" "$T/.emu/build/tests"
  ln -s "$T/.emu/bin" "$T/.emu/build/bin"
  SE05X_BIN=$T/.emu/bin SE05X_BUILD=$T/.emu/build
  export SE05X_BIN SE05X_BUILD PATH="$T/.emu/bin:$PATH"
fi
_SIM_PIDS=()
_BG_PIDS=()

_cleanup() {
  local rc=$?
  for p in "${_BG_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${_SIM_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ] && [ -d "$T" ]; then
    echo "--- test failed (rc=$rc); emulator logs:" >&2
    for f in "$T"/sim*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
    for f in "$T"/*.err; do [ -s "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  rm -rf "$T"
  exit $rc
}
trap _cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# python3 in the tests is Debian's interpreter, whatever python3 comes first on
# PATH: the modules they import (python3-cryptography, python3-awscrt) are the
# Debian packages scripts/deps.sh installs. Python always plays the other side
# (test server, verifier), so it runs without the device's OpenSSL settings a
# test exports (OPENSSL_CONF with our engine/provider, OPENSSL_MODULES that
# would hide OpenSSL's legacy provider from python3-cryptography). A PATH
# entry, not a shell function, so background and child processes get it too.
mkdir -p "$T/.pybin"
printf '#!/bin/sh\nunset OPENSSL_CONF OPENSSL_MODULES OPENSSL_ENGINES\nexec /usr/bin/python3 "$@"\n' \
  >"$T/.pybin/python3" && chmod +x "$T/.pybin/python3"
export PATH="$T/.pybin:$PATH"
note() { echo "-- $*"; }

# sim_start [name] [extra se05x-sim args...]
# Starts an emulator with state dir $T/<name>.state on a free port and sets
# SIM_PORT, SIM_PID, SIM_STATE and exports EX_SSS_BOOT_SSS_PORT=127.0.0.1:$SIM_PORT.
# $SE05X_TEST_VARIANT (set by se05x_integration_test(... VARIANT X)) adds
# --variant X unless the caller passes its own --variant.
sim_start() {
  local name=${1:-sim}; shift || true
  SIM_STATE="$T/$name.state"
  mkdir -p "$SIM_STATE"
  rm -f "$T/$name.port"
  local vargs=()
  case " $* " in *" --variant "*) ;; *) [ -n "${SE05X_TEST_VARIANT:-}" ] && vargs=(--variant "$SE05X_TEST_VARIANT") ;; esac
  se05x-sim --state "$SIM_STATE" --port 0 --port-file "$T/$name.port" "${vargs[@]}" "$@" \
    >"$T/$name.log" 2>&1 &
  SIM_PID=$!
  _SIM_PIDS+=("$SIM_PID")
  local i
  for i in $(seq 1 200); do
    [ -s "$T/$name.port" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$T/$name.log" >&2; fail "emulator $name exited at start"; }
    sleep 0.05
  done
  [ -s "$T/$name.port" ] || fail "emulator $name did not report its port"
  SIM_PORT=$(cat "$T/$name.port")
  export EX_SSS_BOOT_SSS_PORT="127.0.0.1:$SIM_PORT"
}

# sim_stop [pid] — graceful stop (SIGTERM) and wait.
sim_stop() {
  local pid=${1:-$SIM_PID}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# test_variant_has_rsa — false when the emulated chip (SE05X_TEST_VARIANT) has no RSA (SE050E).
test_variant_has_rsa() { [ "${SE05X_TEST_VARIANT:-C}" != E ]; }

# free_port — prints a TCP port nobody listens on (for "refused" tests).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# expect_fail "what" cmd... — the command must fail (non-zero) and print to stderr.
expect_fail() {
  local what=$1; shift
  if "$@" >"$T/out.txt" 2>"$T/err.txt"; then
    cat "$T/out.txt" >&2
    fail "$what: command succeeded but should have failed: $*"
  fi
  [ -s "$T/err.txt" ] || fail "$what: failed without an error message: $*"
  LAST_ERR=$(cat "$T/err.txt")
}

# assert_contains "haystack" "needle" "what"
assert_contains() {
  case "$1" in *"$2"*) ;; *) fail "${3:-output}: expected '$2' in: $1" ;; esac
}

# bg cmd... — start a background helper process cleaned up at exit.
bg() { "$@" & _BG_PIDS+=("$!"); }

# with_asan_preload cmd... — run a program we did not build (openssl, curl,
# mender, java, python3, pkcs11-tool ...) that loads one of our sanitized
# modules; a no-op outside the ASan and TSan builds.
with_asan_preload() {
  if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
    LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)${LD_PRELOAD:+:$LD_PRELOAD}" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@"
  elif [ "${SE05X_TSAN:-0}" = 1 ]; then
    LD_PRELOAD="$(gcc -print-file-name=libtsan.so)${LD_PRELOAD:+:$LD_PRELOAD}" "$@"
  else
    "$@"
  fi
}
