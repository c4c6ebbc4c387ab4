#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Mender part of the README demo: the tutorial's whole flow
# ("Securing IoT software deployments with Mender and NXP EdgeLock SE050",
# README worked example 1) on the emulator, ending with the
# real Mender client authenticating to a local test server with a key that
# never leaves the chip, through the e4sss engine.
#   scripts/demo-mender.sh [BUILD]
# Uses the emulator of $EX_SSS_BOOT_SSS_PORT when set (called from
# scripts/demo.sh), otherwise starts its own. Files go to $DEMO_OUT/mender
# (default <build>/demo/mender). Exits non-zero on any failure.
set -euo pipefail

BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "$BUILD/bin" && pwd)
LIBDIR=$(cd "$BUILD/lib" && pwd)
export PATH="$BIN:$PATH"
OUT=${DEMO_OUT:-$(cd "$BUILD" && pwd)/demo}/mender
WORK=$(mktemp -d "${TMPDIR:-/tmp}/se05x-demo-mender.XXXXXX")
KEY_ID=0x7f000001
PIDS=()

cleanup() {
  local rc=$? p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ $rc -ne 0 ] && echo "demo-mender: FAILED (exit $rc)" >&2
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }
# Debian's interpreter, whatever python3 comes first on PATH: the test server
# imports python3-cryptography (scripts/deps.sh).
# It plays the server side, so it runs without the device's OpenSSL settings.
mkdir -p "$WORK/.pybin"
printf '#!/bin/sh\nunset OPENSSL_CONF OPENSSL_MODULES OPENSSL_ENGINES\nexec /usr/bin/python3 "$@"\n' \
  >"$WORK/.pybin/python3" && chmod +x "$WORK/.pybin/python3"
export PATH="$WORK/.pybin:$PATH"
run() { printf '$ %s\n' "$*"; "$@"; }
wait_file() { local i; for i in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

[ -f "$LIBDIR/libsss_engine.so" ] || { echo "demo-mender: $LIBDIR/libsss_engine.so missing; build first" >&2; exit 2; }
command -v mender >/dev/null || { echo "demo-mender: mender (Debian mender-client) not installed" >&2; exit 2; }
mkdir -p "$OUT"

if [ -z "${EX_SSS_BOOT_SSS_PORT:-}" ]; then
  step "Starting the emulator"
  mkdir -p "$WORK/chip"
  se05x-sim --state "$WORK/chip" --port 0 --port-file "$WORK/sim.port" >"$WORK/sim.log" 2>&1 &
  PIDS+=($!)
  wait_file "$WORK/sim.port" || { cat "$WORK/sim.log" >&2; exit 1; }
  export EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(cat "$WORK/sim.port")"
  echo "EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT"
fi

step "Tutorial: key generation in the secure element, reference key"
se05x exists "$KEY_ID" >/dev/null 2>&1 || run seTool genECC "$KEY_ID"
run seTool getRef "$KEY_ID" "$OUT/$KEY_ID.ref"
cat "$OUT/$KEY_ID.ref"
run seTool getPublic "$KEY_ID" "$OUT/device.pub"

step "Tutorial: Configure OpenSSL (a copy of openssl.cnf with the e4sss engine section)"
SYS_CNF="$(openssl version -d | sed 's/^OPENSSLDIR: "\(.*\)"$/\1/')/openssl.cnf"
sed 's/^[[:space:]]*openssl_conf[[:space:]]*=.*/openssl_conf = nxp_engine/' "$SYS_CNF" >"$OUT/nxp_openssl.cnf"
grep -q '^openssl_conf = nxp_engine' "$OUT/nxp_openssl.cnf" ||
  sed -i '1i openssl_conf = nxp_engine' "$OUT/nxp_openssl.cnf"
{
  echo
  echo "[nxp_engine]"
  echo "engines = engine_section"
  echo
  echo "[ engine_section ]"
  echo "e4sss_se050 = e4sss_se050_section"
  echo
  echo "[ e4sss_se050_section ]"
  echo "dynamic_path = $LIBDIR/libsss_engine.so"
  echo "engine_id = e4sss"
  echo "init = 1"
  echo "default_algorithms = RSA,RAND,EC"
} >>"$OUT/nxp_openssl.cnf"
sed -n '/^\[nxp_engine\]/,$p' "$OUT/nxp_openssl.cnf"

step "Tutorial: Testing the setup (openssl req -engine e4sss -key <ref>)"
OPENSSL_CONF="$OUT/nxp_openssl.cnf" run openssl req -new -x509 -subj "/CN=Unit1" -engine e4sss \
  -key "$OUT/$KEY_ID.ref" -out "$OUT/cert-e4sss.pem"
openssl x509 -in "$OUT/cert-e4sss.pem" -noout -pubkey | cmp -s - "$OUT/device.pub"
run openssl verify -check_ss_sig -CAfile "$OUT/cert-e4sss.pem" "$OUT/cert-e4sss.pem"
echo "the certificate carries the chip's public key and is signed by the key inside the chip"

step "A local Mender test server (HTTPS, requires the device's client certificate)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$OUT/server.key" \
  -out "$OUT/server.crt" 2>/dev/null
python3 "$SRC/tests/mender/mender_server.py" --port 0 --port-file "$WORK/srv.port" \
  --cert "$OUT/server.crt" --key "$OUT/server.key" --ca "$OUT/cert-e4sss.pem" \
  --require-client-cert --log "$OUT/server.jsonl" &
PIDS+=($!)
wait_file "$WORK/srv.port" || exit 1
PORT=$(cat "$WORK/srv.port")
echo "server on https://localhost:$PORT"

step "Tutorial: Configuring the Mender Client (HttpsClient with the ref key)"
write_conf() { # write_conf PORT
  printf '{\n  "ServerURL": "https://localhost:%s",\n  "ServerCertificate": "%s",\n' "$1" "$OUT/server.crt"
  printf '  "TenantToken": "",\n  "HttpsClient": {\n    "Certificate": "%s",\n' "$OUT/cert-e4sss.pem"
  printf '    "Key": "%s",\n    "SSLEngine": "e4sss"\n  }\n}\n' "$OUT/$KEY_ID.ref"
}
write_conf "$PORT" >"$OUT/mender.conf"
cat "$OUT/mender.conf"

# Mender reads its identity from a fixed path; without one installed, give it
# one in a private mount namespace (nothing on the system changes).
mkdir -p "$WORK/identity"
printf '#!/bin/sh\necho mac=02:00:00:00:05:05\n' >"$WORK/identity/mender-device-identity"
chmod +x "$WORK/identity/mender-device-identity"
mender_run() { # mender_run ENV-ARGS... — mender bootstrap with that environment
  rm -rf "$WORK/data"
  mkdir -p "$WORK/data"
  local cmd=(env "$@" mender --config "$OUT/mender.conf" --fallback-config "$WORK/none.conf"
    --data "$WORK/data" --no-syslog bootstrap)
  if [ -x /usr/share/mender/identity/mender-device-identity ]; then
    "${cmd[@]}"
  else
    unshare -m --propagation private sh -c \
      'mount --bind "$1" /usr/share/mender/identity && shift && exec "$@"' sh "$WORK/identity" "${cmd[@]}"
  fi
}

if [ ! -x /usr/share/mender/identity/mender-device-identity ] &&
  ! unshare -m --propagation private true 2>/dev/null; then
  echo "demo-mender: no Mender identity script installed and no mount namespace (not root):"
  echo "             install /usr/share/mender/identity/mender-device-identity to run the client step"
  exit 0
fi

step "mender bootstrap with the tutorial's service environment"
echo "Environment=EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT"
echo "Environment=OPENSSL_CONF=$OUT/nxp_openssl.cnf"
mender_run EX_SSS_BOOT_SSS_PORT="$EX_SSS_BOOT_SSS_PORT" OPENSSL_CONF="$OUT/nxp_openssl.cnf" \
  >"$WORK/mender.log" 2>&1 || { cat "$WORK/mender.log" >&2; exit 1; }
grep -o 'msg="successfully received new authorization data[^"]*"' "$WORK/mender.log"
python3 - "$OUT/server.jsonl" "$OUT/device.pub" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if '"POST"' in l][-1]
pub = open(sys.argv[2]).read()
ok = r["signature_valid"] and r["pubkey"] == pub and r["client_cert_pubkey"] == pub
print("server: X-MEN-Signature valid: %s; signed by the chip's key: %s; TLS client key is the chip's: %s"
      % (r["signature_valid"], r["pubkey"] == pub, r["client_cert_pubkey"] == pub))
sys.exit(0 if ok else 1)
PY

step "Without the two Environment lines: the failure the tutorial shows"
python3 "$SRC/tests/mender/mender_server.py" --port 0 --port-file "$WORK/srv2.port" \
  --cert "$OUT/server.crt" --key "$OUT/server.key" --log "$WORK/server2.jsonl" &
PIDS+=($!)
wait_file "$WORK/srv2.port" || exit 1
write_conf "$(cat "$WORK/srv2.port")" >"$WORK/mender-neg.conf"
cp "$WORK/mender-neg.conf" "$OUT/mender.conf"
if mender_run -u EX_SSS_BOOT_SSS_PORT -u OPENSSL_CONF >"$WORK/neg.log" 2>&1; then
  echo "demo-mender: unexpected success without the engine" >&2
  exit 1
fi
grep -m1 -o 'msg="Authorize failed[^"]*"' "$WORK/neg.log" || grep -m1 "signature verification failed" "$WORK/neg.log"
grep -q "signature verification failed" "$WORK/neg.log"
write_conf "$PORT" >"$OUT/mender.conf"
printf '\n==> Mender authenticated with the key inside the chip; files in %s\n' "$OUT"
