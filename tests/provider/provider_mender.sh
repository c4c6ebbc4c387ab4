#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Mender client of the tutorial (Debian mender-client 3.4), configured
# with the ref PEM as HttpsClient.Key and a provider-only openssl.cnf (no
# engine, no SSLEngine): 10 of 10 bootstrap runs must be authorized by the
# engine issue's test server (tests/mender/mender_server.py), which checks
# X-MEN-Signature over the body with the submitted public key and requires a
# client certificate; both must be the chip's key.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
. "$SE05X_SRC/tests/mender/mender_lib.sh"
mender_prereqs
RUNS=${MENDER_RUNS:-10}
sim_start
cd "$T"
make_server_cert

note "tutorial steps with the provider: seTool genECC/getRef, certificate by openssl req"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 "$T/0x7f000001.ref" >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 "$T/chip.pub" >/dev/null 2>&1 || fail "seTool getPublic"
write_prov_cnf "$T/provider.cnf"
OPENSSL_CONF="$T/provider.cnf" with_asan_preload openssl req -new -x509 -subj "/CN=Unit1" \
  -key "$T/0x7f000001.ref" -out "$T/cert-prov.pem" 2>"$T/err" || { cat "$T/err"; fail "openssl req"; }
openssl x509 -in "$T/cert-prov.pem" -noout -pubkey >"$T/cert.pub"
same_pubkey "$T/cert.pub" "$T/chip.pub" || fail "certificate does not hold the chip key"
openssl verify -check_ss_sig -CAfile "$T/cert-prov.pem" "$T/cert-prov.pem" >/dev/null ||
  fail "certificate self-signature"

start_https_server mtls --ca "$T/cert-prov.pem" --require-client-cert
write_mender_conf "$T/mender.conf" "$HTTPS_PORT" "$T/cert-prov.pem" "$T/0x7f000001.ref"
grep -q SSLEngine "$T/mender.conf" && fail "the provider configuration must not name an engine"

note "mender bootstrap, Key = ref PEM, OPENSSL_CONF = provider only, $RUNS runs"
for i in $(seq 1 "$RUNS"); do
  rm -rf "$T/data"; mkdir -p "$T/data"
  run_mender "$T/mender.conf" "$T/data" -u OPENSSL_ENGINES \
    "EX_SSS_BOOT_SSS_PORT=$EX_SSS_BOOT_SSS_PORT" "OPENSSL_CONF=$T/provider.cnf" ||
    { cat "$T/mender.log"; fail "mender bootstrap run $i"; }
  grep -q "successfully received new authorization data" "$T/mender.log" ||
    { cat "$T/mender.log"; fail "run $i not authorized"; }
done

python3 - "$T/mtls.jsonl" "$RUNS" "$T/chip.pub" <<'PY' || fail "server log"
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
print("%d of %d auth requests signed by the chip key, over TLS with the chip's client cert" % (n, n))
PY
note "provider mender: all good"
