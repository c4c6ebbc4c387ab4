#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README demo runs to success and shows each step.
. "$SE05X_HELPERS/lib.sh"
# Under ASan the demo's openssl and mender load our sanitized engine: the
# sanitizer runtime is preloaded for the whole demo (a no-op otherwise).
DEMO_OUT="$T/demo" with_asan_preload timeout 240 bash "$SE05X_SRC/scripts/demo.sh" "$SE05X_BUILD" >"$T/demo.log" 2>&1 \
  || { cat "$T/demo.log" >&2; fail "demo failed"; }
for n in 1 2 3 4 5 6 7; do grep -q "^==> $n\. " "$T/demo.log" || { cat "$T/demo.log" >&2; fail "step $n missing"; }; done
grep -q "Signature OK\|Verified OK" "$T/demo.log" || fail "no verified signature in the demo"
grep -q "refused" "$T/demo.log" || fail "no refusal shown"
openssl verify -CAfile "$T/demo/ca.pem" "$T/demo/device.crt" | grep -q ": OK" || fail "demo certificate"
grep -q "X-MEN-Signature valid: True; signed by the chip's key: True; TLS client key is the chip's: True" "$T/demo.log" \
  || fail "the demo's Mender client did not authenticate with the chip's key"
note ok
