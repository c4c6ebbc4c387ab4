#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Greengrass V2 with everything on the chip (docs/pkcs11.md "Greengrass V2"):
# aws.greengrass.crypto.Pkcs11Provider takes privateKeyPath AND
# certificateFilePath as pkcs11: URIs. The device certificates are stored on
# the chip beside their keys (ssscli set cert, se05x cert write) and found
# through the module by pkcs11:object=sss:2018100x;type=cert: same CKA_ID and
# label as the key, CKA_VALUE the stored DER, subject/issuer/serial from it.
# (MQTT and JSSE TLS with the token's certificate: pkcs11_awscrt_mqtt,
# pkcs11_java_tls, pkcs11_pin_chip.)
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
command -v p11tool >/dev/null || fail "p11tool missing (gnutls-bin)"
sim_start
p11_provision                      # keys 0x20181001/2, certs by ssscli set cert at 0x20181003/4
se05x delete 0x20181004 >/dev/null # the EC certificate again, by the other tool
se05x cert write 0x20181004 "$T/ec.crt" >/dev/null || fail "se05x cert write"
p11() { foreign pkcs11-tool --module "$MODULE" "$@"; }
pt() { GNUTLS_PIN=1234 foreign p11tool --provider "$MODULE" "$@"; }
# p11tool hangs at exit under the ASan preload (libp11-kit's destructor,
# docs/pkcs11.md "Tests"): its checks run in the normal build only; the
# pkcs11-tool checks run in both.
P11TOOL=1
[ "${SE05X_SANITIZE:-0}" = 1 ] && { P11TOOL=0; note "SKIP under ASan: the p11tool URI checks"; }

for k in rsa:20181001 ec:20181002; do
  kind=${k%%:*} id=${k#*:}
  openssl x509 -in "$T/$kind.crt" -outform DER -out "$T/$kind.der"
  if [ "$P11TOOL" = 1 ]; then
    # the certificate URI exactly as certificateFilePath gives it (no token=, no id=)
    pt --export "pkcs11:object=sss:$id;type=cert" >"$T/$kind.tok.pem" 2>"$T/pt.err" ||
      { cat "$T/pt.err"; fail "p11tool --export type=cert $id"; }
    openssl x509 -in "$T/$kind.tok.pem" -outform DER -out "$T/$kind.tok.der" || fail "exported $id is no certificate"
    cmp -s "$T/$kind.der" "$T/$kind.tok.der" || fail "certificate of sss:$id differs from the one stored"
    # the key URI (privateKeyPath) and the certificate share CKA_ID: one key-cert pair
    out=$(pt --login --list-all "pkcs11:object=sss:$id" 2>&1) || fail "p11tool --list-all sss:$id: $out"
    assert_contains "$out" "object=sss%3A$id;type=private" "private key by URI $id"
    assert_contains "$out" "object=sss%3A$id;type=cert" "certificate by URI $id"
    [ "$(grep -c "ID: $(echo "$id" | sed 's/../&:/g;s/:$//')" <<<"$out")" -ge 3 ] ||
      fail "key and certificate of $id do not share CKA_ID: $out"
    pt --login --test-sign "pkcs11:object=sss:$id;type=private" >"$T/ts.out" 2>&1 || { cat "$T/ts.out"; fail "p11tool --test-sign $id"; }
  fi
  # pkcs11-tool: by label, attributes derived from the DER
  p11 --read-object --type cert --label "sss:$id" -o "$T/$kind.p11.der" >/dev/null 2>&1 || fail "pkcs11-tool read cert $id"
  cmp -s "$T/$kind.der" "$T/$kind.p11.der" || fail "CKA_VALUE of sss:$id"
  out=$(p11 -O --type cert --label "sss:$id" 2>&1) || fail "pkcs11-tool -O cert $id"
  assert_contains "$out" "subject:    DN: CN=se05x-$kind-device" "CKA_SUBJECT of $id"
  assert_contains "$out" "ID:         $id" "CKA_ID of $id"
  # the key signs (pkcs11-tool selects keys for --sign by --id only)
  echo "greengrass v2" >"$T/m"
  if [ "$kind" = ec ]; then mech=(--mechanism ECDSA-SHA256 --signature-format openssl); else mech=(--mechanism SHA256-RSA-PKCS); fi
  p11 --login --pin 1234 --sign "${mech[@]}" --id "$id" -i "$T/m" -o "$T/m.sig" >/dev/null 2>&1 || fail "sign with $id"
  openssl dgst -sha256 -verify "$T/$kind.pub.pem" -signature "$T/m.sig" "$T/m" >/dev/null || fail "signature of $id"
done
# a missing certificate: a clear failure, nothing invented
out=$(p11 --read-object --type cert --label sss:20181009 -o "$T/none.der" 2>&1) && fail "read a certificate that is not there"
if [ "$P11TOOL" = 1 ]; then
  out=$(pt --export "pkcs11:object=sss:20181009;type=cert" 2>&1) && fail "exported a certificate that is not there"
fi
note "Greengrass V2 URIs: key and certificate from the token: ok"
