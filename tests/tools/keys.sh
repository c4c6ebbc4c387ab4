#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x: help, info, list, generate (EC curves, RSA sizes), import, public,
# refkey, exists, delete, reset.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start

note "--help everywhere"
se05x --help | grep -q "^Subcommands:" || fail "se05x --help"
for sub in info list exists generate import public refkey delete reset random sign verify write read cert csr; do
  se05x "$sub" --help | grep -q "^Usage: se05x $sub" || fail "se05x $sub --help"
done
expect_fail "no subcommand" se05x
expect_fail "unknown subcommand" se05x frobnicate
assert_contains "$LAST_ERR" "unknown subcommand 'frobnicate'"

note "info"
out=$(se05x info)
assert_contains "$out" "applet version:" info
assert_contains "$out" "127.0.0.1:$SIM_PORT" info
uid=$(sed -n 's/^UID: *//p' <<<"$out")
[[ "$uid" =~ ^[0-9a-f]{36}$ ]] || fail "info: UID '$uid'"
certuid=$(sed -n 's/^CertUID: *//p' <<<"$out")
[ "$certuid" = "${uid:4:4}${uid:16:16}" ] || fail "info: CertUID $certuid from UID $uid"
grep -q "^free persistent: *[0-9]* bytes" <<<"$out" || fail "info: free memory"
grep -q "^ATR: *[0-9a-f]" <<<"$out" || fail "info: ATR"

note "connection precedence: --port beats EX_SSS_BOOT_SSS_PORT"
EX_SSS_BOOT_SSS_PORT=127.0.0.1:$(free_port) se05x --port "127.0.0.1:$SIM_PORT" info >/dev/null \
  || fail "--port did not win over the environment"

note "generate EC on four curves; public and refkey agree"
echo "message to sign" >"$T/msg"
i=1
for curve in P-256 P-384 P-521 secp256k1; do
  id=0x7f00000$i; i=$((i + 1))
  se05x generate ec "$id" --curve "$curve" 2>&1 >/dev/null | grep -q "generated $curve key pair" || fail "generate $curve"
  se05x public "$id" -o "$T/$id.pub"
  oid=$(openssl pkey -pubin -in "$T/$id.pub" -noout -text | sed -n 's/.*NIST CURVE: *//p; s/.*ASN1 OID: *//p' | head -1)
  case "$curve" in
    P-256) [ "$oid" = prime256v1 ] || [ "$oid" = P-256 ] ;;
    P-384) [ "$oid" = secp384r1 ] || [ "$oid" = P-384 ] ;;
    P-521) [ "$oid" = secp521r1 ] || [ "$oid" = P-521 ] ;;
    secp256k1) [ "$oid" = secp256k1 ] ;;
  esac || fail "public key of $curve has curve '$oid'"
  se05x refkey "$id" -o "$T/$id.ref"
  head -1 "$T/$id.ref" | grep -q "BEGIN PRIVATE KEY" || fail "refkey $curve not PKCS#8"
  [ "$(pub_of "$T/$id.ref")" = "$(pub_of "$T/$id.pub")" ] || fail "refkey public part != public ($curve)"
  se05x sign "$id" -i "$T/msg" -o "$T/$id.sig"
  openssl dgst -sha256 -verify "$T/$id.pub" -signature "$T/$id.sig" "$T/msg" >/dev/null || fail "sig $curve"
done
se05x refkey 0x7f000001 --sec1 | head -1 | grep -q "BEGIN EC PRIVATE KEY" || fail "refkey --sec1"
se05x generate ec 0x7f000009 --curve NIST_P256 >/dev/null
se05x generate ec 0x7f00000a --curve prime256v1 --transient >/dev/null
se05x list | grep -q "^0x7F00000A  EC key pair *transient *P-256" || fail "list: transient P-256"
se05x list | grep -q "^0x7F000009  EC key pair *persistent *P-256" || fail "list: NIST_P256 alias"

note "generate RSA 2048 (and 3072, 4096 once)"
se05x generate rsa 0x7f000011 >/dev/null
for bits in 3072 4096; do se05x generate rsa 0x7f0000${bits:0:2} --bits "$bits" >/dev/null; done
se05x list | grep -q "^0x7F000011  RSA key pair *persistent *2048 bits" || fail "list: RSA 2048"
se05x list | grep -q "^0x7F000040  RSA key pair *persistent *4096 bits" || fail "list: RSA 4096"
se05x public 0x7f000030 -o "$T/rsa3072.pub"
openssl pkey -pubin -in "$T/rsa3072.pub" -noout -text | grep -q "Public-Key: (3072 bit)" || fail "RSA 3072 public"
se05x refkey 0x7f000011 -o "$T/rsa.ref"
head -1 "$T/rsa.ref" | grep -q "BEGIN RSA PRIVATE KEY" || fail "RSA refkey is PKCS#1"
se05x public 0x7f000011 -o "$T/rsa.pub"
[ "$(pub_of "$T/rsa.ref")" = "$(pub_of "$T/rsa.pub")" ] || fail "RSA refkey modulus"

note "existing ids are not replaced without --force"
before=$(pub_of "$T/0x7f000001.pub")
bad_input "generate over an existing key" 1 "0x7F000001 already exists" se05x generate ec 0x7f000001
se05x generate ec 0x7f000001 --force >/dev/null
se05x public 0x7f000001 -o "$T/new.pub"
[ "$(pub_of "$T/new.pub")" != "$before" ] || fail "--force did not make a new key"

note "import EC and RSA pairs and public keys"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$T/ec.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.pem" 2>/dev/null
openssl pkey -in "$T/ec.pem" -pubout -out "$T/ec.pub"
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa_sw.pub"
se05x import 0x7f000101 "$T/ec.pem" 2>&1 >/dev/null | grep -q "imported P-384 key pair" || fail "import EC pair"
se05x import 0x7f000102 "$T/rsa.pem" 2>&1 >/dev/null | grep -q "imported RSA key pair" || fail "import RSA pair"
se05x import 0x7f000103 "$T/ec.pub" 2>&1 >/dev/null | grep -q "public key" || fail "import EC public"
se05x import 0x7f000104 "$T/rsa.pem" --public >/dev/null
openssl pkey -in "$T/ec.pem" -outform DER -out "$T/ec.der"
se05x import 0x7f000105 "$T/ec.der" >/dev/null
for id in 0x7f000101 0x7f000103 0x7f000105; do
  se05x public "$id" -o "$T/p.pem"; [ "$(pub_of "$T/p.pem")" = "$(pub_of "$T/ec.pub")" ] || fail "public of $id"
done
for id in 0x7f000102 0x7f000104; do
  se05x public "$id" -o "$T/p.pem"; [ "$(pub_of "$T/p.pem")" = "$(pub_of "$T/rsa_sw.pub")" ] || fail "public of $id"
done
se05x list | grep -q "^0x7F000103  EC public key" || fail "list: EC public key"
se05x list | grep -q "^0x7F000104  RSA public key" || fail "list: RSA public key"

note "exists, delete"
se05x exists 7f000101 | grep -q "0x7F000101 exists" || fail exists
se05x delete 0x7f000101 2>&1 >/dev/null | grep -q "deleted 0x7F000101" || fail delete
rc=0; se05x exists 0x7f000101 >/dev/null || rc=$?
[ $rc -eq 1 ] || fail "exists after delete: rc $rc"

note "reset: needs --yes; keeps reserved objects, deletes the rest"
echo demo-auth >"$T/small"
se05x write 0x7da00042 "$T/small" >/dev/null
bad_input "reset without --yes" 2 "--yes" se05x reset
se05x list --all | grep " (reserved)" >"$T/reserved.before" || true
grep -q "^0x7FFF0206" "$T/reserved.before" || fail "UID object not listed with --all"
user=$(se05x list | wc -l)
[ "$user" -ge 10 ] || fail "expected many user objects, got $user"
se05x reset --yes 2>&1 >/dev/null | grep -q "^se05x: deleted $user objects$" || fail "reset count (expected $user)"
[ -z "$(se05x list 2>/dev/null)" ] || fail "objects left after reset"
se05x list --all | grep " (reserved)" >"$T/reserved.after" || true
cmp -s "$T/reserved.before" "$T/reserved.after" || fail "reserved objects changed by reset"
grep -q "^0x7DA00042" "$T/reserved.after" || fail "7DA0xxxx object deleted by reset"
note "list and reset page through ReadIDList (2 ids per page)"
sim_start paged --idlist-page 2
for i in 1 2 3 4 5 6 7; do se05x write "0x2000000$i" "$T/small" >/dev/null; done
[ "$(se05x list | wc -l)" -eq 7 ] || fail "paged list: $(se05x list | wc -l) objects, expected 7"
se05x reset --yes 2>&1 >/dev/null | grep -q "^se05x: deleted 7 objects$" || fail "paged reset"
[ -z "$(se05x list 2>/dev/null)" ] || fail "paged reset left objects"
note ok
