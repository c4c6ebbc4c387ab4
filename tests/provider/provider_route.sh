#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Ordinary keys are never claimed by se05x, chip keys always are, in both
# provider orders (provider_route.c): EC ref file (PKCS#8 and ssscli's SEC1),
# nxp: URI, RSA ref file (seTool's PKCS#1).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
sim_start
cd "$T"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 ec.ref >/dev/null 2>&1 || fail "seTool getRef"
ssscli refpem ecc pair 0x7f000001 sec1.ref >/dev/null 2>&1 || fail "ssscli refpem"
ssscli generate rsa 0x7f000011 2048 >/dev/null 2>&1 || fail "ssscli generate rsa"
seTool getRef 0x7f000011 rsa.ref >/dev/null 2>&1 || fail "seTool getRef RSA"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null || fail "EC key"
openssl pkey -in ec.pem -pubout -out ecpub.pem || fail "EC public key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null || fail "RSA key"
openssl pkey -in rsa.pem -pubout -out rsapub.pem || fail "RSA public key"
for order in se05x default; do
  for chip in ec.ref sec1.ref nxp:0x7f000001; do
    note "provider_route $chip rsa.ref ($order first)"
    PROVIDER_ORDER=$order "$SE05X_BUILD/tests/provider_route" ec.pem ecpub.pem rsa.pem rsapub.pem \
      "$chip" rsa.ref || fail "provider_route $chip ($order first)"
  done
done
note "provider route: all good"
