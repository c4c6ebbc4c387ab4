#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ordinary keys are never claimed by se05x, chip keys always are, in both
# provider orders (provider_route.c): EC ref file (PKCS#8, ssscli's SEC1 DER, SEC1 PEM),
# nxp: URI, RSA ref file (seTool's PKCS#1).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
sim_start
cd "$T"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 ec.ref >/dev/null 2>&1 || fail "seTool getRef"
ssscli refpem ecc pair 0x7f000001 sec1.ref >/dev/null 2>&1 || fail "ssscli refpem"
# (ssscli writes DER; the same key as SEC1 PEM, "EC PRIVATE KEY", by plain openssl)
openssl ec -in ec.ref -out sec1pem.ref 2>/dev/null || fail "SEC1 PEM of ec.ref"
ssscli generate rsa 0x7f000011 2048 >/dev/null 2>&1 || fail "ssscli generate rsa"
seTool getRef 0x7f000011 rsa.ref >/dev/null 2>&1 || fail "seTool getRef RSA"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null || fail "EC key"
openssl pkey -in ec.pem -pubout -out ecpub.pem || fail "EC public key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null || fail "RSA key"
openssl pkey -in rsa.pem -pubout -out rsapub.pem || fail "RSA public key"
for order in se05x default; do
  for chip in ec.ref sec1.ref sec1pem.ref nxp:0x7f000001; do
    note "provider_route $chip rsa.ref ($order first)"
    PROVIDER_ORDER=$order "$SE05X_BUILD/tests/provider_route" ec.pem ecpub.pem rsa.pem rsapub.pem \
      "$chip" rsa.ref || fail "provider_route $chip ($order first)"
  done
done
# The same reference files through unmodified openssl(1) commands, with the
# providers activated by openssl.cnf in either order (no -provider options,
# no property query): req -key (CSR signed by the chip), dgst -sign and pkey.
# The signatures are checked by plain openssl (no se05x) against the public
# key read from the chip through nxp:, so a software key made of the marker
# (what OpenSSL 3.5 decoded before the "PEM" decoder) fails here.
ossl pkey "${P[@]}" -in nxp:0x7f000001 -pubout -out chip_ec.pub || fail "EC public key from the chip"
ossl pkey "${P[@]}" -in nxp:0x7f000011 -pubout -out chip_rsa.pub || fail "RSA public key from the chip"
printf 'to be signed by the chip\n' >msg.txt
for order in se05x default; do
  write_prov_cnf "$T/route_$order.cnf" "$order"
  for ref in ec.ref sec1.ref sec1pem.ref rsa.ref; do
    case $ref in rsa.ref) pub=chip_rsa.pub obj=0x7F000011 ;; *) pub=chip_ec.pub obj=0x7F000001 ;; esac
    note "openssl req/dgst/pkey -key $ref ($order first, openssl.cnf)"
    rm -f r.csr msg.sig
    OPENSSL_CONF=$T/route_$order.cnf ossl req -new -key "$ref" -subj /CN=route -out r.csr ||
      fail "req -key $ref ($order first)"
    openssl req -verify -noout -in r.csr 2>/dev/null || fail "CSR from $ref ($order first) does not verify"
    openssl req -in r.csr -noout -pubkey >csr.pub || fail "CSR public key"
    same_pubkey csr.pub "$pub" || fail "CSR from $ref ($order first): not the chip's public key"
    OPENSSL_CONF=$T/route_$order.cnf ossl dgst -sha256 -sign "$ref" -out msg.sig msg.txt ||
      fail "dgst -sign $ref ($order first)"
    openssl dgst -sha256 -verify "$pub" -signature msg.sig msg.txt >/dev/null ||
      fail "signature of $ref ($order first) does not verify with the chip's public key"
    # pkey decodes it to our key: our text encoder names the chip object
    OPENSSL_CONF=$T/route_$order.cnf ossl pkey -in "$ref" -noout -text >pkey.txt ||
      fail "pkey -in $ref ($order first)"
    grep -q "object $obj" pkey.txt || { cat pkey.txt; fail "pkey -in $ref ($order first): not a chip key"; }
  done
  # A reference key followed by a certificate in one file (OSSL_STORE reads
  # both: our decoder consumes one PEM block, like pem2der).
  note "openssl storeutl: ref key + certificate in one file ($order first)"
  [ -f combo.pem ] || { openssl req -x509 -new -key ec.pem -subj /CN=combo -days 2 -out combo.crt 2>/dev/null &&
    cat ec.ref combo.crt >combo.pem; } || fail "combo.pem"
  OPENSSL_CONF=$T/route_$order.cnf ossl storeutl -noout -text combo.pem >store.txt 2>&1 ||
    { cat store.txt; fail "storeutl combo.pem ($order first)"; }
  grep -q "object 0x7F000001" store.txt && grep -q "Certificate" store.txt ||
    { cat store.txt; fail "storeutl combo.pem ($order first): not the chip key and the certificate"; }
  # The same keys in DER (no PEM armour), written by plain openssl: decoded
  # by our SE05X-*-REFKEY decoders (docs/openssl.md "How OpenSSL picks a
  # decoder": this case still rests on their newer name ids).
  for ref in ec.ref rsa.ref; do
    case $ref in rsa.ref) pub=chip_rsa.pub obj=0x7F000011 ;; *) pub=chip_ec.pub obj=0x7F000001 ;; esac
    note "openssl dgst/pkey with ${ref%.ref}.der ($order first, openssl.cnf)"
    openssl pkey -in "$ref" -outform DER -out "${ref%.ref}.der" 2>/dev/null || fail "DER of $ref"
    rm -f msg.sig
    OPENSSL_CONF=$T/route_$order.cnf ossl dgst -sha256 -keyform DER -sign "${ref%.ref}.der" -out msg.sig msg.txt ||
      fail "dgst -sign ${ref%.ref}.der ($order first)"
    openssl dgst -sha256 -verify "$pub" -signature msg.sig msg.txt >/dev/null ||
      fail "signature of ${ref%.ref}.der ($order first) does not verify with the chip's public key"
    OPENSSL_CONF=$T/route_$order.cnf ossl pkey -inform DER -in "${ref%.ref}.der" -noout -text >pkey.txt ||
      fail "pkey -inform DER ${ref%.ref}.der ($order first)"
    grep -q "object $obj" pkey.txt || { cat pkey.txt; fail "${ref%.ref}.der ($order first): not a chip key"; }
  done
done
note "provider route: all good"
