#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The provider through the openssl command line, against the emulator:
# pkeyutl sign/verify/derive/decrypt with nxp: and se05x: URIs and ref files
# (EC and RSA), req (CSR, self-signed), genpkey on the chip (our id param and
# NXP's "curve:id" form), encoders (pkey -out writes the ref key seTool
# writes), rand only when asked for, clear errors, and: a process configured
# with the provider but using only file keys never opens the chip.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/provider/common.sh"
sim_start
cd "$T"
echo "hello provider" >msg.txt

note "setup: seTool genECC / getRef / getPublic (tutorial ids)"
seTool genECC 0x7f000001 >/dev/null 2>&1 || fail "seTool genECC"
seTool getRef 0x7f000001 ref.pem >/dev/null 2>&1 || fail "seTool getRef"
seTool getPublic 0x7f000001 chip.pub >/dev/null 2>&1 || fail "seTool getPublic"

note "ECDSA: pkeyutl -sign with nxp:, se05x: and the ref file, both provider orders"
i=0
for key in nxp:0x7f000001 se05x:7f000001 "se05x:0x7F000001?conn=127.0.0.1%3A$SIM_PORT" ref.pem; do
  for order in "se05x default" "default se05x"; do
    set -- $order; i=$((i + 1))
    ossl pkeyutl -provider "$1" -provider "$2" -sign -rawin -digest sha256 -inkey "$key" \
      -in msg.txt -out "sig$i.bin" 2>err.txt || { cat err.txt; fail "sign with $key ($order)"; }
    [ -s err.txt ] && { cat err.txt; fail "sign with $key ($order) printed errors"; }
    openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey chip.pub -in msg.txt \
      -sigfile "sig$i.bin" >/dev/null || fail "signature by $key ($order) does not verify"
  done
done
note "other reference-key forms: DER PKCS#8, ssscli's SEC1 PEM (both orders)"
openssl pkey -in ref.pem -outform DER -out ref.der 2>/dev/null || fail "DER copy of the ref key"
ssscli refpem ecc pair 0x7f000001 sec1.pem >/dev/null 2>&1 || fail "ssscli refpem ecc pair"
grep -q "BEGIN EC PRIVATE KEY" sec1.pem || fail "ssscli ref is not SEC1"
for key in ref.der sec1.pem; do
  for order in "se05x default" "default se05x"; do
    set -- $order
    ossl pkeyutl -provider "$1" -provider "$2" -sign -rawin -digest sha256 -inkey "$key" \
      -in msg.txt -out sigx.bin || fail "sign with $key ($order)"
    openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey chip.pub -in msg.txt \
      -sigfile sigx.bin >/dev/null || fail "signature by $key ($order) does not verify"
  done
done

note "ECDSA verify through the provider; a wrong signature is rejected"
ossl pkeyutl "${P[@]}" -verify -rawin -digest sha256 -inkey nxp:0x7f000001 -in msg.txt \
  -sigfile sig1.bin >/dev/null || fail "verify via provider"
echo "other" >other.txt
if ossl pkeyutl "${P[@]}" -verify -rawin -digest sha256 -inkey nxp:0x7f000001 -in other.txt \
  -sigfile sig1.bin >out.txt 2>&1; then fail "a signature of another message verified"; fi
grep -q "Signature Verification Failure" out.txt || fail "wrong signature: $(cat out.txt)"

note "ECDH: pkeyutl -derive equals the software derivation"
openssl genpkey -algorithm EC -pkeyopt group:P-256 -out peer.key 2>/dev/null
openssl pkey -in peer.key -pubout -out peer.pub
openssl pkeyutl -derive -inkey peer.key -peerkey chip.pub -out z.sw || fail "software derive"
for key in nxp:0x7f000001 ref.pem; do
  ossl pkeyutl "${P[@]}" -derive -inkey "$key" -peerkey peer.pub -out z.chip || fail "derive $key"
  cmp -s z.sw z.chip || fail "ECDH secret with $key differs"
done

note "req: CSR from the ref file, self-signed certificate from nxp:"
ossl req "${P[@]}" -new -key ref.pem -subj "/CN=csr" -out c.csr || fail "req -new"
openssl req -in c.csr -verify -noout 2>/dev/null || fail "CSR signature"
openssl req -in c.csr -noout -pubkey >csr.pub && same_pubkey csr.pub chip.pub || fail "CSR key"
ossl req "${P[@]}" -new -x509 -key nxp:0x7f000001 -subj "/CN=Unit1" -days 2 -out cert.pem ||
  fail "req -x509"
openssl verify -check_ss_sig -CAfile cert.pem cert.pem >/dev/null || fail "self-signed cert"
openssl x509 -in cert.pem -noout -pubkey >cert.pub && same_pubkey cert.pub chip.pub || fail "cert key"

note "encoders: pkey -out writes seTool's ref key; -pubout the SPKI; -text names the object"
ossl pkey "${P[@]}" -in nxp:0x7f000001 -out key.ref || fail "pkey -out"
cmp -s key.ref ref.pem || { cat key.ref ref.pem; fail "ref key from pkey differs from seTool getRef"; }
ossl pkey "${P[@]}" -in nxp:0x7f000001 -pubout -out enc.pub || fail "pkey -pubout"
same_pubkey enc.pub chip.pub || fail "SPKI"
openssl pkey -pubin -in enc.pub -noout -text | grep -q "ASN1 OID: prime256v1" || fail "SPKI not named curve"
ossl pkey -provider default -provider se05x -in ref.pem -noout -text >text.txt || fail "pkey -text"
grep -q "object 0x7F000001" text.txt || { cat text.txt; fail "text encoder"; }

note "genpkey on the chip: P-384 with se05x-id, NXP form prime256v1:<id>, RSA-2048"
ossl genpkey "${P[@]}" -algorithm EC -pkeyopt group:P-384 -pkeyopt se05x-id:0x7f000010 \
  -out gen384.ref || fail "genpkey P-384 on chip"
seTool getPublic 0x7f000010 gen384.pub >/dev/null 2>&1 || se05x get ecc pub 0x7f000010 gen384.pub \
  >/dev/null 2>&1 || ossl pkey "${P[@]}" -in nxp:0x7f000010 -pubout -out gen384.pub
ossl pkeyutl "${P[@]}" -sign -rawin -digest sha384 -inkey gen384.ref -in msg.txt -out s384.bin ||
  fail "sign with generated key"
openssl pkey -in gen384.ref -pubout -out gen384.filepub 2>/dev/null
openssl pkeyutl -verify -rawin -digest sha384 -pubin -inkey gen384.filepub -in msg.txt \
  -sigfile s384.bin >/dev/null || fail "P-384 signature"
ossl genpkey "${P[@]}" -algorithm EC -pkeyopt group:prime256v1:0x7f000031 -out gen31.ref ||
  fail "genpkey NXP group:id form"
ossl pkeyutl "${P[@]}" -sign -rawin -digest sha256 -inkey nxp:0x7f000031 -in msg.txt -out s31.bin ||
  fail "sign 0x7f000031"
openssl pkey -in gen31.ref -pubout -out gen31.pub 2>/dev/null
openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey gen31.pub -in msg.txt -sigfile s31.bin \
  >/dev/null || fail "0x7f000031 signature"
note "NXP README form: openssl ecparam -name prime256v1:<id> -genkey writes the chip key's ref"
ossl ecparam "${P[@]}" -name prime256v1:0x7f000032 -genkey -noout -out ecp.ref || fail "ecparam"
ossl pkey "${P[@]}" -in nxp:0x7f000032 -pubout -out ecp.chip.pub || fail "0x7f000032 not on the chip"
openssl pkey -in ecp.ref -pubout -out ecp.file.pub 2>/dev/null
same_pubkey ecp.chip.pub ecp.file.pub || fail "ecparam wrote another key than the chip's"
openssl pkey -in ecp.ref -noout -text 2>/dev/null | grep -q "7f:00:00:32:a5:a6:b5:b6" ||
  fail "ecparam output is not a reference key"
ossl genpkey "${P[@]}" -algorithm RSA -pkeyopt bits:2048 -pkeyopt se05x-id:0x7f000011 \
  -out rsa.ref || fail "genpkey RSA on chip"
ossl pkey "${P[@]}" -in nxp:0x7f000011 -pubout -out rsa.pub || fail "RSA pubout"

note "P-521 and RSA-4096 on the chip; ssscli's PKCS#1 RSA reference key"
ossl genpkey "${P[@]}" -algorithm EC -pkeyopt group:P-521 -pkeyopt se05x-id:0x7f000521 \
  -out p521.ref || fail "genpkey P-521"
ossl genpkey "${P[@]}" -algorithm RSA -pkeyopt bits:4096 -pkeyopt se05x-id:0x7f004096 \
  -out r4096.ref || fail "genpkey RSA-4096"
ssscli refpem rsa pair 0x7f004096 r4096.pkcs1.pem >/dev/null 2>&1 || fail "ssscli refpem rsa pair"
grep -q "BEGIN RSA PRIVATE KEY" r4096.pkcs1.pem || fail "ssscli RSA ref is not PKCS#1"
for spec in "p521.ref sha512 nxp:0x7f000521" "r4096.ref sha256 nxp:0x7f004096" \
            "r4096.pkcs1.pem sha256 nxp:0x7f004096"; do
  set -- $spec
  ossl pkey "${P[@]}" -in "$3" -pubout -out big.pub || fail "public key of $3"
  for order in "se05x default" "default se05x"; do
    # shellcheck disable=SC2086
    ossl pkeyutl $(printf -- '-provider %s ' $order) -sign -rawin -digest "$2" -inkey "$1" \
      -in msg.txt -out big.bin || fail "sign with $1 ($order)"
    openssl pkeyutl -verify -rawin -digest "$2" -pubin -inkey big.pub -in msg.txt -sigfile big.bin \
      >/dev/null || fail "signature by $1 ($order)"
  done
done

note "RSA: PKCS#1 v1.5 and PSS (digest/max/auto) signatures, PKCS#1 and OAEP decryption"
for mode in pkcs1 pss:digest pss:max pss:auto; do
  opts=(); vopts=()
  case $mode in
    pss:*) opts=(-pkeyopt rsa_padding_mode:pss -pkeyopt "rsa_pss_saltlen:${mode#pss:}")
           vopts=(-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:auto) ;;
  esac
  for key in nxp:0x7f000011 rsa.ref; do
    ossl pkeyutl "${P[@]}" -sign -rawin -digest sha256 -inkey "$key" -in msg.txt -out rs.bin \
      "${opts[@]}" || fail "RSA sign $mode $key"
    openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey rsa.pub -in msg.txt \
      -sigfile rs.bin "${vopts[@]}" >/dev/null || fail "RSA $mode signature by $key"
  done
done
for pad in pkcs1 oaep:sha1 oaep:sha256; do
  opts=(-pkeyopt "rsa_padding_mode:${pad%%:*}")
  [ "$pad" != pkcs1 ] && opts+=(-pkeyopt "rsa_oaep_md:${pad#oaep:}")
  openssl pkeyutl -encrypt -pubin -inkey rsa.pub -in msg.txt -out ct.bin "${opts[@]}" || fail "encrypt"
  ossl pkeyutl "${P[@]}" -decrypt -inkey nxp:0x7f000011 -in ct.bin -out pt.txt "${opts[@]}" ||
    fail "RSA decrypt $pad"
  cmp -s pt.txt msg.txt || fail "RSA decrypt $pad: wrong plaintext"
done
note "RSA certificates: PKCS#1 v1.5 CSR, RSA-PSS self-signed (salt digest and max)"
ossl req "${P[@]}" -new -key rsa.ref -subj /CN=rsa -out rsa.csr || fail "RSA CSR"
openssl req -in rsa.csr -verify -noout 2>/dev/null || fail "RSA CSR signature"
for sl in digest max; do
  ossl req "${P[@]}" -new -x509 -key nxp:0x7f000011 -subj /CN=pss -days 1 -sigopt \
    rsa_padding_mode:pss -sigopt "rsa_pss_saltlen:$sl" -out pss.crt || fail "RSA-PSS certificate ($sl)"
  openssl verify -check_ss_sig -CAfile pss.crt pss.crt >/dev/null || fail "RSA-PSS cert ($sl)"
  openssl x509 -in pss.crt -noout -text | grep -q "rsassaPss" || fail "not an RSA-PSS certificate"
done
ossl pkey "${P[@]}" -in nxp:0x7f000011 -out rsa2.ref || fail "RSA ref via encoder"
ossl pkeyutl "${P[@]}" -sign -rawin -digest sha256 -inkey rsa2.ref -in msg.txt -out rs2.bin ||
  fail "sign with encoder's RSA ref"
openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey rsa.pub -in msg.txt -sigfile rs2.bin \
  >/dev/null || fail "encoder's RSA ref signature"

note "rand: only when asked for (config [random] section, or SE05X_PROVIDER_RAND=yes)"
write_prov_cnf rand.cnf default
sed -i 's/^providers = provider_sect$/providers = provider_sect\nrandom = random_sect/' rand.cnf
printf '[random_sect]\nrandom = SE05X-RAND\nproperties = provider=se05x\n' >>rand.cnf
r=$(OPENSSL_CONF=rand.cnf ossl rand -hex 32) || fail "openssl rand via config"
[ ${#r} = 64 ] || fail "openssl rand output"
expect_fail "rand with the chip unreachable" with_asan_preload env OPENSSL_CONF=rand.cnf \
  EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(free_port)" openssl rand -hex 8
assert_contains "$LAST_ERR" "se05x: cannot open" "rand error"
SE05X_PROVIDER_RAND=yes ossl rand -provider se05x -hex 16 >/dev/null || fail "NXP README rand form"

note "tools keep recognising reference keys in a process with the provider configured"
write_prov_cnf dfirst.cnf default
OPENSSL_CONF=dfirst.cnf expect_fail "seTool setECC with a ref key" seTool setECC 0x7f000060 ref.pem
assert_contains "$LAST_ERR" "reference key to object 0x7F000001" "seTool with the provider configured"

note "configuration: port = ... in the provider's section wins over the environment"
write_prov_cnf port.cnf se05x "port = 127.0.0.1:$SIM_PORT"
OPENSSL_CONF=port.cnf with_asan_preload env EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(free_port)" \
  openssl pkeyutl -sign -rawin -digest sha256 -inkey nxp:0x7f000001 -in msg.txt -out cfg.bin ||
  fail "port from the config section"
openssl pkeyutl -verify -rawin -digest sha256 -pubin -inkey chip.pub -in msg.txt -sigfile cfg.bin \
  >/dev/null || fail "signature with the configured port"

note "errors: missing object, unreachable port, malformed URI — one clear line each"
expect_fail "missing object" ossl pkeyutl "${P[@]}" -sign -rawin -inkey nxp:0x7f0000aa -in msg.txt \
  -out x.bin
assert_contains "$LAST_ERR" "7F0000AA" "missing object message"
[ ! -s x.bin ] || fail "output written for a missing object"
expect_fail "unreachable port" with_asan_preload env EX_SSS_BOOT_SSS_PORT="127.0.0.1:$(free_port)" \
  openssl pkeyutl "${P[@]}" -sign -rawin -inkey nxp:0x7f000001 -in msg.txt -out x.bin
assert_contains "$LAST_ERR" "se05x: cannot open 127.0.0.1:" "unreachable port message"
expect_fail "malformed URI" ossl pkeyutl "${P[@]}" -sign -rawin -inkey nxp:0xZZ -in msg.txt -out x.bin
assert_contains "$LAST_ERR" "malformed key URI" "malformed URI message"
expect_fail "genpkey onto an existing id" ossl genpkey "${P[@]}" -algorithm EC \
  -pkeyopt group:P-256 -pkeyopt se05x-id:0x7f000001 -out x.ref

note "lazy: provider configured, file keys only => the chip is never contacted"
start_spy chip
write_prov_cnf only.cnf
run_lazy() {
  OPENSSL_CONF=only.cnf EX_SSS_BOOT_SSS_PORT="127.0.0.1:$SPY_PORT" with_asan_preload openssl "$@"
}
run_lazy genpkey -algorithm EC -pkeyopt group:P-256 -out file.key || fail "genpkey (software)"
run_lazy genpkey -algorithm RSA -pkeyopt bits:2048 -out filersa.key || fail "genpkey RSA (software)"
openssl pkey -in file.key -pubout -out file.pub
for k in file.key filersa.key; do
  run_lazy pkeyutl -sign -rawin -digest sha256 -inkey "$k" -in msg.txt -out fs.bin || fail "sign $k"
  openssl pkey -in "$k" -pubout -out k.pub
  run_lazy pkeyutl -verify -rawin -digest sha256 -pubin -inkey k.pub -in msg.txt -sigfile fs.bin \
    >/dev/null || fail "verify $k"
done
run_lazy pkeyutl -derive -inkey file.key -peerkey peer.pub -out zf.bin || fail "derive (software)"
run_lazy req -new -x509 -key file.key -subj /CN=f -days 1 -out f.crt || fail "req (software)"
run_lazy pkey -in file.key -out file2.key && cmp -s file.key file2.key || fail "pkey round trip"
run_lazy rand -hex 16 >/dev/null || fail "rand (software)"
[ ! -s "$T/chip.hits" ] || fail "a process with only file keys connected to the chip port"
note "provider cli: all good"
