#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The provider from C (provider_threads.c): SSL_CTXs made before the key load,
# 8 signing threads, a forked child, a clean error queue; with an nxp: URI and
# with a ref file, EC and RSA.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
sim_start
cd "$T"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 ec.ref >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 ec.pub >/dev/null 2>&1 || fail "seTool getPublic"
ossl genpkey "${P[@]}" -algorithm RSA -pkeyopt bits:2048 -pkeyopt se05x-id:0x7f000011 -out rsa.ref ||
  fail "genpkey RSA"
ossl pkey "${P[@]}" -in rsa.ref -pubout -out rsa.pub || fail "RSA public key"
SAN="subjectAltName=DNS:localhost"
ossl req "${P[@]}" -new -x509 -key ec.ref -subj /CN=localhost -addext "$SAN" -days 2 -out ec.crt ||
  fail "EC certificate"
ossl req "${P[@]}" -new -x509 -key rsa.ref -subj /CN=localhost -addext "$SAN" -days 2 -out rsa.crt ||
  fail "RSA certificate"
for order in se05x default; do
  for args in "nxp:0x7f000001 ec.pub ec.crt" "ec.ref ec.pub ec.crt" "se05x:7f000011 rsa.pub rsa.crt" \
              "rsa.ref rsa.pub rsa.crt"; do
    note "provider_threads $args ($order first)"
    # shellcheck disable=SC2086
    PROVIDER_ORDER=$order "$SE05X_BUILD/tests/provider_threads" $args ||
      fail "provider_threads $args ($order first)"
  done
done
note "provider api: all good"
