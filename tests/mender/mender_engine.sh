#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tutorial's Mender part with the real Mender client (mender bootstrap):
#  tutorial config: HttpsClient.Key = ref file, OPENSSL_CONF with the engine
#    section and EX_SSS_BOOT_SSS_PORT in the environment (the systemd lines);
#  pkcs11 config: Key = pkcs11:object=sss:7f000001;type=private, SSLEngine e4sss.
# The server checks X-MEN-Signature over the exact body with the submitted
# public key and requires a client certificate; both must be the chip's key.
# 10 runs per configuration, 0 failures. Negative: without OPENSSL_CONF the
# server answers "signature verification failed", as the tutorial shows.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
. "$SE05X_SRC/tests/mender/mender_lib.sh"
mender_prereqs
RUNS=${MENDER_RUNS:-10}
sim_start
make_server_cert

note "tutorial: seTool genECC, getRef, openssl.cnf, certificate through the engine"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 "$T/0x7f000001.ref" >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 "$T/chip.pub" >/dev/null 2>&1 || fail "seTool getPublic"
write_tutorial_cnf "$T/nxp_openssl.cnf"
OPENSSL_CONF="$T/nxp_openssl.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/cert-e4sss.pem" 2>"$T/err" ||
  { cat "$T/err"; fail "openssl req"; }
cert_verifies_with "$T/cert-e4sss.pem" "$T/chip.pub" || fail "device certificate does not verify"

start_https_server mtls --ca "$T/cert-e4sss.pem" --require-client-cert

# check_log LOG N — N auth requests, all valid, all by the chip's key, all
# over a TLS session whose client certificate holds the chip's key.
check_log() {
  python3 - "$1" "$2" "$T/chip.pub" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization as s
norm = lambda p: s.load_pem_public_key(p.encode()).public_bytes(
    s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
chip = norm(open(sys.argv[3]).read())
recs = [json.loads(l) for l in open(sys.argv[1]) if '"POST"' in l]
auth = [r for r in recs if r["path"].endswith("/authentication/auth_requests")]
n = int(sys.argv[2])
bad = [r for r in auth if not (r["signature_valid"] and norm(r["pubkey"]) == chip
                               and r["client_cert_pubkey"] and norm(r["client_cert_pubkey"]) == chip)]
if len(auth) != n or bad:
    sys.exit("expected %d valid auth requests by the chip key, got %d, %d bad: %s"
             % (n, len(auth), len(bad), bad[:1]))
PY
}

run_config() { # run_config NAME CONF MUST-LOG ENV... (MUST-LOG: a line every run logs)
  local name=$1 conf=$2 must=$3 i; shift 3
  : >"$T/mtls.jsonl"
  for i in $(seq 1 "$RUNS"); do
    rm -rf "$T/data"; mkdir -p "$T/data"
    run_mender "$conf" "$T/data" "$@" || { cat "$T/mender.log"; fail "$name: mender bootstrap run $i"; }
    grep -q "successfully received new authorization data" "$T/mender.log" ||
      { cat "$T/mender.log"; fail "$name: run $i not authorized"; }
    [ -z "$must" ] || grep -qF "$must" "$T/mender.log" || { cat "$T/mender.log"; fail "$name: no '$must'"; }
  done
  check_log "$T/mtls.jsonl" "$RUNS" || fail "$name: server log"
}

note "Mender, tutorial configuration (Key = ref file, OPENSSL_CONF), $RUNS runs"
write_mender_conf "$T/tutorial.conf" "$HTTPS_PORT" "$T/cert-e4sss.pem" "$T/0x7f000001.ref" e4sss
run_config tutorial "$T/tutorial.conf" "" "EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT" \
  "OPENSSL_CONF=$T/nxp_openssl.cnf"

note "Mender, pkcs11: URI with SSLEngine e4sss, $RUNS runs"
write_mender_conf "$T/pkcs11.conf" "$HTTPS_PORT" "$T/cert-e4sss.pem" \
  "pkcs11:object=sss:7f000001;type=private" e4sss
run_config pkcs11 "$T/pkcs11.conf" "' from 'e4sss'" "EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT" \
  "OPENSSL_CONF=/dev/null" "OPENSSL_ENGINES=$OPENSSL_ENGINES"

note "negative: the tutorial's configuration without the Environment lines"
start_https_server plain   # hosted-Mender-like: no client certificate requested
write_mender_conf "$T/neg.conf" "$HTTPS_PORT" "$T/cert-e4sss.pem" "$T/0x7f000001.ref" e4sss
rm -rf "$T/data"; mkdir -p "$T/data"
if run_mender "$T/neg.conf" "$T/data" -u EX_SSS_BOOT_SSS_PORT -u OPENSSL_CONF -u OPENSSL_ENGINES; then
  cat "$T/mender.log"; fail "negative: mender authorized with the ref key used in software"
fi
grep -q "signature verification failed" "$T/mender.log" ||
  { cat "$T/mender.log"; fail "negative: expected 'signature verification failed'"; }
grep -q '"signature_valid": false' "$T/plain.jsonl" || fail "negative: server saw no bad signature"
echo "PASS"
