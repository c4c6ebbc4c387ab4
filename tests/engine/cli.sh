#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The openssl command line with -engine e4sss -keyform engine -key <id>
# (no configuration file): certificates, digests of every size, RSA PKCS#1
# and PSS, RSA decryption, ECDH, RAND. Results are checked with software
# public-key operations only.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/engine/common.sh"
sim_start
export OPENSSL_CONF=/dev/null
ossl() { with_asan_preload openssl "$@"; }

se05x generate ec 0x7f000001 >/dev/null 2>&1 || fail "generate EC"
se05x generate rsa 0x7f000002 --bits 2048 >/dev/null 2>&1 || fail "generate RSA"
se05x public 0x7f000001 -o "$T/ec.pub" >/dev/null 2>&1 || fail "public EC"
se05x public 0x7f000002 -o "$T/rsa.pub" >/dev/null 2>&1 || fail "public RSA"

note "req -keyform engine with an id, a pkcs11: URI, an RSA key, RSA-PSS"
ossl req -new -x509 -subj /CN=id -engine e4sss -keyform engine -key 0x7f000001 \
  -out "$T/c1.pem" >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "req id"; }
[ ! -s "$T/out" ] || fail "stdout not empty: $(cat "$T/out")"
cert_verifies_with "$T/c1.pem" "$T/ec.pub" || fail "EC cert (id) does not verify"
ossl req -new -x509 -subj /CN=uri -engine e4sss -keyform engine \
  -key "pkcs11:object=sss:7f000001;type=private" -out "$T/c2.pem" 2>"$T/err" || { cat "$T/err"; fail "req uri"; }
cert_verifies_with "$T/c2.pem" "$T/ec.pub" || fail "EC cert (uri) does not verify"
ossl req -new -x509 -subj /CN=rsa -engine e4sss -keyform engine -key 0x7f000002 \
  -out "$T/c3.pem" 2>"$T/err" || { cat "$T/err"; fail "req rsa"; }
cert_verifies_with "$T/c3.pem" "$T/rsa.pub" || fail "RSA cert does not verify"
ossl req -new -x509 -subj /CN=pss -engine e4sss -keyform engine -key 0x7f000002 \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out "$T/c4.pem" 2>"$T/err" || { cat "$T/err"; fail "req pss"; }
cert_verifies_with "$T/c4.pem" "$T/rsa.pub" || fail "RSA-PSS cert does not verify"

note "dgst -sign with every digest (EC and RSA)"
head -c 5000 /dev/urandom >"$T/data"
for md in sha1 sha224 sha256 sha384 sha512; do
  for k in 0x7f000001:ec 0x7f000002:rsa; do
    id=${k%%:*}; kt=${k##*:}
    ossl dgst -"$md" -engine e4sss -keyform engine -sign "$id" -out "$T/sig" "$T/data" 2>"$T/err" ||
      { cat "$T/err"; fail "dgst -$md $kt"; }
    openssl dgst -"$md" -verify "$T/$kt.pub" -signature "$T/sig" "$T/data" >/dev/null ||
      fail "dgst -$md $kt signature does not verify"
  done
done

note "P-384 and P-521 chip keys"
for c in P-384:0x7f000003 P-521:0x7f000004; do
  se05x generate ec "${c##*:}" --curve "${c%%:*}" >/dev/null 2>&1 || fail "generate ${c%%:*}"
  se05x public "${c##*:}" -o "$T/c.pub" >/dev/null 2>&1 || fail "public ${c%%:*}"
  for md in sha256 sha512; do
    ossl dgst -"$md" -engine e4sss -keyform engine -sign "${c##*:}" -out "$T/sig" "$T/data" 2>"$T/err" ||
      { cat "$T/err"; fail "dgst ${c%%:*} -$md"; }
    openssl dgst -"$md" -verify "$T/c.pub" -signature "$T/sig" "$T/data" >/dev/null ||
      fail "${c%%:*} -$md signature does not verify"
  done
done

note "an RSA ref PEM through the tutorial config (PKCS#1 v1.5 certificate)"
write_tutorial_cnf "$T/nxp.cnf"
se05x refkey 0x7f000002 -o "$T/rsa.ref" >/dev/null 2>&1 || fail "refkey rsa"
OPENSSL_CONF="$T/nxp.cnf" ossl req -new -x509 -subj /CN=rsaref -key "$T/rsa.ref" -out "$T/c5.pem" \
  2>"$T/err" || { cat "$T/err"; fail "req rsa ref"; }
cert_verifies_with "$T/c5.pem" "$T/rsa.pub" || fail "RSA ref-key certificate does not verify"

note "RSA decryption: pkcs1, oaep, none"
head -c 32 /dev/urandom >"$T/secret"
for pad in pkcs1 oaep; do
  openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub" -pkeyopt rsa_padding_mode:$pad \
    -in "$T/secret" -out "$T/ct"
  ossl pkeyutl -decrypt -engine e4sss -keyform engine -inkey 0x7f000002 \
    -pkeyopt rsa_padding_mode:$pad -in "$T/ct" -out "$T/pt" 2>"$T/err" || { cat "$T/err"; fail "decrypt $pad"; }
  cmp -s "$T/pt" "$T/secret" || fail "decrypt $pad: wrong plaintext"
done
{ printf '\0'; head -c 255 /dev/urandom; } >"$T/raw"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub" -pkeyopt rsa_padding_mode:none -in "$T/raw" -out "$T/ct"
ossl pkeyutl -decrypt -engine e4sss -keyform engine -inkey 0x7f000002 \
  -pkeyopt rsa_padding_mode:none -in "$T/ct" -out "$T/pt" 2>"$T/err" || { cat "$T/err"; fail "decrypt none"; }
cmp -s "$T/pt" "$T/raw" || fail "decrypt none: wrong plaintext"

note "ECDH with the chip key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/peer.pem" 2>/dev/null
openssl pkey -in "$T/peer.pem" -pubout -out "$T/peer.pub"
ossl pkeyutl -derive -engine e4sss -keyform engine -inkey 0x7f000001 -peerkey "$T/peer.pub" \
  -out "$T/s1" 2>"$T/err" || { cat "$T/err"; fail "derive"; }
openssl pkeyutl -derive -inkey "$T/peer.pem" -peerkey "$T/ec.pub" -out "$T/s2"
cmp -s "$T/s1" "$T/s2" || fail "ECDH secrets differ"

note "RAND from the chip"
r=$(ossl rand -engine e4sss -hex 32 2>"$T/err") || { cat "$T/err"; fail "rand"; }
[ ${#r} = 64 ] || fail "rand: '$r'"

note "a missing key gives one clear error"
expect_fail "missing key" ossl req -new -x509 -subj /CN=x -engine e4sss -keyform engine -key 0x7f0000aa -out "$T/x.pem"
assert_contains "$LAST_ERR" "se05x: " "missing key"
assert_contains "$LAST_ERR" "7F0000AA" "missing key"
echo "PASS"
