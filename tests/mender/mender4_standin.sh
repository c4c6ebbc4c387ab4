#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 11: the Mender client >= 4 (C++ rewrite; not packaged for Debian 12)
# stood in by mender4_standin.c, which loads keys exactly the two ways that
# client does (SSLEngine set: ENGINE_by_id/ENGINE_init/ENGINE_load_private_key;
# SSLEngine empty: OSSL_STORE_open with OPENSSL_CONF), re-reading the
# configuration for every store load. For a ref file and nxp:0x7f000001, in three
# openssl.cnf configurations:
#   tutorial  - the tutorial's engine section (SSLEngine e4sss)
#   provider  - se05x + default providers activated (SSLEngine empty)
#   both      - engine section and both providers (SSLEngine e4sss)
# every run must sign the auth request and make a TLS 1.2 and a TLS 1.3
# handshake with client certificate; the test server must record a valid
# signature by the chip's key and the chip key's certificate on every request.
# A key that does not exist: clear error, non-zero exit.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
. "$SE05X_SRC/tests/provider/common.sh"
STANDIN="$SE05X_BUILD/tests/mender4_standin"
[ -x "$STANDIN" ] || fail "not built: $STANDIN"
sim_start
make_server_cert

seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 "$T/0x7f000001.ref" >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 "$T/chip.pub" >/dev/null 2>&1 || fail "seTool getPublic"
write_tutorial_cnf "$T/tutorial.cnf"
write_prov_cnf "$T/provider.cnf"
write_both_cnf "$T/both.cnf"
OPENSSL_CONF="$T/tutorial.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -engine e4sss -key "$T/0x7f000001.ref" -out "$T/dev.crt" 2>"$T/err" ||
  { cat "$T/err"; fail "device certificate"; }
OPENSSL_CONF=/dev/null cert_verifies_with "$T/dev.crt" "$T/chip.pub" || fail "device certificate does not verify"

start_https_server mtls --ca "$T/dev.crt" --require-client-cert

# check_log N — N auth requests in the server log, each with a valid
# signature by the chip's key over a TLS session whose client certificate
# holds the chip's key.
check_log() {
  python3 - "$T/mtls.jsonl" "$1" "$T/chip.pub" <<'PY'
import json, sys
from cryptography.hazmat.primitives import serialization as s
norm = lambda p: s.load_pem_public_key(p.encode()).public_bytes(
    s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
chip = norm(open(sys.argv[3]).read())
auth = [json.loads(l) for l in open(sys.argv[1]) if '"POST"' in l]
n = int(sys.argv[2])
bad = [r for r in auth if not (r["signature_valid"] and norm(r["pubkey"]) == chip
                               and r["client_cert_pubkey"] and norm(r["client_cert_pubkey"]) == chip)]
if len(auth) != n or bad:
    sys.exit("expected %d valid auth requests by the chip key, got %d, %d bad: %s"
             % (n, len(auth), len(bad), bad[:1]))
PY
}

standin() { # standin CONF ENGINE KEY
  OPENSSL_CONF=$1 with_asan_preload "$STANDIN" --engine "$2" --key "$3" --cert "$T/dev.crt" \
    --ca "$T/srv.crt" --port "$HTTPS_PORT"
}

runs=0
for cfg in "tutorial:e4sss" "provider:" "both:e4sss"; do
  conf=${cfg%%:*} eng=${cfg#*:}
  for key in "$T/0x7f000001.ref" "nxp:0x7f000001"; do
    note "$conf openssl.cnf, SSLEngine '${eng}', key $key"
    : >"$T/mtls.jsonl"
    standin "$T/$conf.cnf" "$eng" "$key" >"$T/out" 2>"$T/err" ||
      { cat "$T/out" "$T/err"; fail "$conf/'$eng'/$key: stand-in failed"; }
    grep -q "^TLSv1.2: authorized" "$T/out" && grep -q "^TLSv1.3: authorized" "$T/out" ||
      { cat "$T/out" "$T/err"; fail "$conf/'$eng'/$key: not authorized over TLS 1.2 and 1.3"; }
    check_log 2 || fail "$conf/'$eng'/$key: server log"
    runs=$((runs + 1))
  done
done
[ "$runs" = 6 ] || fail "ran $runs configurations, expected 6"

note "missing key: clear error, non-zero exit, nothing sent"
for cfg in "tutorial:e4sss" "provider:" "both:e4sss"; do
  conf=${cfg%%:*} eng=${cfg#*:}
  for key in "nxp:0x7f0000ee" "$T/no-such.ref"; do
    : >"$T/mtls.jsonl"
    expect_fail "$conf/'$eng'/$key" standin "$T/$conf.cnf" "$eng" "$key"
    assert_contains "$LAST_ERR" "cannot load private key '$key'" "$conf/'$eng'/$key"
    [ ! -s "$T/mtls.jsonl" ] || fail "$conf/'$eng'/$key: a request reached the server"
  done
done
echo "PASS"
