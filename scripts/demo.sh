#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo of the README (scripts/run demo builds into ./build, then runs
# `scripts/demo.sh build`). Everything runs against the emulator, started
# here with a throw-away state directory on a free port:
#   1. start the emulator
#   2. generate a P-256 device key inside the chip (seTool, as in the Mender tutorial)
#   3. write its reference key
#   4. certificate request signed by the chip, certificate from a local demo CA
#   5. sign a message in the chip, verify it with openssl
#   6. show that the private key cannot be read back
#   7. the Mender tutorial on the same emulator (scripts/demo-mender.sh): the
#      e4sss engine, openssl req with the reference key, and the real Mender
#      client authenticating to a local test server with the chip's key
# Each step is one function; later stages (engine, provider, Mender) add
# theirs to STEPS. Output files stay in $DEMO_OUT (default <builddir>/demo).
# Exits non-zero on any failure; the emulator is always stopped.
set -euo pipefail

BUILD=${1:-build}
[ -x "$BUILD/bin/se05x" ] && [ -x "$BUILD/bin/se05x-sim" ] || {
  echo "demo: no se05x / se05x-sim in $BUILD/bin; build first (scripts/run demo)" >&2
  exit 2
}
BIN=$(cd "$BUILD/bin" && pwd)
export PATH="$BIN:$PATH"
OUT=${DEMO_OUT:-$(cd "$BUILD" && pwd)/demo}
STATE=$(mktemp -d "${TMPDIR:-/tmp}/se05x-demo.XXXXXX")
SIM_PID=
KEY_ID=0x7f000001   # the key id of the Mender tutorial
CERT_ID=0x7f000011  # where the device certificate is stored in the chip

cleanup() {
  local rc=$?
  if [ -n "$SIM_PID" ]; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
  fi
  if [ $rc -ne 0 ]; then
    echo "demo: FAILED (exit $rc)" >&2
    [ -f "$STATE/sim.log" ] && { echo "--- emulator log:" >&2; tail -n 20 "$STATE/sim.log" >&2; }
  fi
  rm -rf "$STATE"
  exit $rc
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
# run cmd... — show the command, then run it
show() { printf '$'; printf ' %q' "$@"; printf '\n'; }
run() { show "$@"; "$@"; }
# refused cmd... — show the command, which must fail, and its message
refused() {
  show "$@"
  if "$@" 2>"$STATE/refused.err"; then
    echo "demo: expected a refusal, but it succeeded" >&2
    return 1
  fi
  printf '   refused: %s\n' "$(cat "$STATE/refused.err")"
}

step_start_emulator() {
  step "1. Starting the emulator (state in $STATE/chip)"
  mkdir -p "$STATE/chip"
  se05x-sim --state "$STATE/chip" --port 0 --port-file "$STATE/port" >"$STATE/sim.log" 2>&1 &
  SIM_PID=$!
  local i
  for i in $(seq 1 200); do
    [ -s "$STATE/port" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$STATE/sim.log" >&2; return 1; }
    sleep 0.05
  done
  [ -s "$STATE/port" ] || { echo "demo: the emulator did not start" >&2; return 1; }
  export EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(cat "$STATE/port")"
  echo "emulator listening, EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT"
  run se05x info
}

step_generate_key() {
  step "2. Generating a NIST P-256 device key inside the chip"
  run seTool genECC "$KEY_ID"
  run se05x list
}

step_reference_key() {
  step "3. Writing the reference key (a key file that only names the chip object)"
  run seTool getRef "$KEY_ID" "$OUT/$KEY_ID.ref"
  cat "$OUT/$KEY_ID.ref"
  run se05x public "$KEY_ID" -o "$OUT/device.pub"
  # the public part of the reference key is the real public key of the chip object
  openssl pkey -in "$OUT/$KEY_ID.ref" -pubout | cmp -s - "$OUT/device.pub"
  echo "the reference key carries the chip's public key; its 'private' part is the marker for $KEY_ID"
}

step_certificate() {
  step "4. Certificate: request signed inside the chip, issued by a local demo CA"
  run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=se05x demo CA" -keyout "$OUT/ca.key" -out "$OUT/ca.pem"
  run se05x csr "$KEY_ID" --subj "/CN=Unit1/O=se05x demo" -o "$OUT/device.csr"
  run openssl req -in "$OUT/device.csr" -verify -noout
  run openssl x509 -req -in "$OUT/device.csr" -CA "$OUT/ca.pem" -CAkey "$OUT/ca.key" -set_serial 1 \
    -days 30 -out "$OUT/device.crt"
  run openssl verify -CAfile "$OUT/ca.pem" "$OUT/device.crt"
  run se05x cert write "$CERT_ID" "$OUT/device.crt"
  run se05x cert read "$CERT_ID" --pem -o "$OUT/device-from-chip.crt"
  cmp -s "$OUT/device.crt" "$OUT/device-from-chip.crt" || openssl x509 -in "$OUT/device.crt" |
    cmp -s - "$OUT/device-from-chip.crt"
}

step_sign_verify() {
  step "5. Signing a message inside the chip, verifying it with openssl"
  echo "firmware update manifest $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$OUT/message.txt"
  run se05x sign "$KEY_ID" -i "$OUT/message.txt" -o "$OUT/message.sig"
  run openssl dgst -sha256 -verify "$OUT/device.pub" -signature "$OUT/message.sig" "$OUT/message.txt"
  run se05x verify "$KEY_ID" -i "$OUT/message.txt" -s "$OUT/message.sig"
}

step_private_key_stays() {
  step "6. The private key never leaves the chip"
  echo "reading the key object gives its public key only:"
  run se05x read "$KEY_ID"
  echo "asking the chip to export the private key is refused:"
  refused se05x read "$KEY_ID" --private
}

step_mender() {
  step "7. The Mender tutorial: engine e4sss, then the Mender client authenticates with the chip's key"
  DEMO_OUT="$OUT" bash "$(dirname "${BASH_SOURCE[0]}")/demo-mender.sh" "$BUILD"
}

STEPS=(step_start_emulator step_generate_key step_reference_key step_certificate step_sign_verify
  step_private_key_stays step_mender)

main() {
  if [ -d "$OUT" ] && [ ! -f "$OUT/.se05x-demo" ]; then
    echo "demo: $OUT exists and is not a demo output directory; set DEMO_OUT" >&2
    exit 2
  fi
  rm -rf "$OUT"
  mkdir -p "$OUT"
  touch "$OUT/.se05x-demo"
  local s
  for s in "${STEPS[@]}"; do "$s"; done
  printf '\n==> Done. Files in %s: reference key, CSR, certificate, signature, Mender setup.\n' "$OUT"
}

main
