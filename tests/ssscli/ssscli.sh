#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ssscli verbs as users type them (docs/protocol/compat.md §2), the connect state file, the
# connection precedence and the clear-failure rules.
. "$SE05X_HELPERS/lib.sh"
export XDG_CONFIG_HOME="$T/config"
STATE="$XDG_CONFIG_HOME/se05x/ssscli-session"
sim_start

# --- connect state: user config dir, private, verbatim blog line parses ---
ssscli connect se050 t1oi2c none >/dev/null || fail "connect se050 t1oi2c none"
grep -qx 'conn=/dev/i2c-1' "$STATE" || fail "t1oi2c none must mean /dev/i2c-1: $(cat "$STATE")"
[ "$(stat -c %a "$STATE")" = 600 ] || fail "state file mode $(stat -c %a "$STATE")"
[ "$(stat -c %a "$XDG_CONFIG_HOME/se05x")" = 700 ] || fail "state dir mode"
# connect state beats EX_SSS_BOOT_SSS_PORT: this now targets /dev/i2c-1 (absent here)
if [ ! -e /dev/i2c-1 ]; then
  expect_fail "connect state precedence" ssscli se05x uid
  assert_contains "$LAST_ERR" "i2c-1" "error names the device"
fi
# an explicit --port beats the connect state
ssscli --port "$EX_SSS_BOOT_SSS_PORT" se05x uid | grep -q '^Unique ID: [0-9A-F]\{36\}$' || fail "--port"
chmod 0666 "$STATE"
expect_fail "world-writable state refused" ssscli se05x uid
ssscli disconnect || fail "disconnect"
[ ! -e "$STATE" ] || fail "disconnect left the state file"
# not connected: EX_SSS_BOOT_SSS_PORT is used
ssscli se05x uid | grep -q '^Unique ID: ' || fail "uid via EX_SSS_BOOT_SSS_PORT"
ssscli connect se05x jrcpv1 "$EX_SSS_BOOT_SSS_PORT" >/dev/null || fail "connect jrcpv1"
expect_fail "bad subsystem" ssscli connect a71ch sci2c none
expect_fail "bad method" ssscli connect se05x pcsc none
expect_fail "bad auth" ssscli connect se05x jrcpv1 127.0.0.1:1 --auth_type PlatformSCP

# --- uid / certuid ---
uid=$(ssscli se05x uid | sed 's/^Unique ID: //')
cu=$(ssscli se05x certuid | sed 's/^Cert Unique ID: //')
[ "$cu" = "${uid:4:4}${uid:16:16}" ] || fail "certuid $cu is not UID bytes 2,3,8..15 of $uid"

# --- set / get / generate / erase / readidlist ---
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.pem"
openssl genrsa -out "$T/rsa.pem" 2048 2>/dev/null
openssl req -new -x509 -key "$T/ec.pem" -subj /CN=t -days 2 -out "$T/c.pem" 2>/dev/null
ssscli set ecc pair 20E8A001 "$T/ec.pem" || fail "set ecc pair (id without 0x)"
ssscli set rsa pair 0x20E8A002 "$T/rsa.pem" || fail "set rsa pair"
ssscli set ecc pub 0x20E8A003 "$T/ec.pem" || fail "set ecc pub from a private key file"
ssscli set cert 0x20E8A004 "$T/c.pem" || fail "set cert"
head -c 100 /dev/urandom >"$T/blob"
ssscli set bin 0x20E8A005 "$T/blob" || fail "set bin"
ssscli generate ecc 0x20E8A006 NIST_P384 || fail "generate ecc"
ssscli generate rsa 0x20E8A007 2048 || fail "generate rsa"
ssscli get ecc pub 0x20E8A001 "$T/got.pem" || fail "get ecc pub"
openssl pkey -in "$T/ec.pem" -pubout | cmp -s - "$T/got.pem" || fail "get ecc pub differs from the key"
ssscli get rsa pair 0x20E8A002 "$T/rsa.der" --format DER || fail "get rsa pair DER"
openssl pkey -in "$T/rsa.pem" -pubout -outform DER | cmp -s - "$T/rsa.der" || fail "get rsa DER differs"
ssscli get cert 0x20E8A004 "$T/c2.pem" || fail "get cert"
cmp -s "$T/c.pem" "$T/c2.pem" || fail "certificate round trip"
ssscli get bin 0x20E8A005 "$T/blob2" && cmp -s "$T/blob" "$T/blob2" || fail "binary round trip"
list=$(ssscli se05x readidlist)
for id in 20E8A001 20E8A002 20E8A003 20E8A004 20E8A005 20E8A006 20E8A007; do
  assert_contains "$list" "0x$id" "readidlist"
done
assert_contains "$list" "0x20E8A006  EC_KEY_PAIR    NIST_P384" "readidlist type/curve"

# --- sign / verify (chip signs, software verifies; openssl agrees) ---
echo "payload" >"$T/in"
ssscli sign 0x20E8A001 "$T/in" "$T/sig" || fail "sign ecc"
openssl dgst -sha256 -verify "$T/got.pem" -signature "$T/sig" "$T/in" >/dev/null || fail "openssl rejects ECDSA sig"
ssscli verify 0x20E8A001 "$T/in" "$T/sig" | grep -q successful || fail "verify ecc"
ssscli sign 0x20E8A002 "$T/in" "$T/rsig" --hashalgo RSASSA_PKCS1_PSS_MGF1_SHA384 || fail "sign rsa pss"
openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub"
openssl dgst -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-2 -verify "$T/rsa.pub" \
  -signature "$T/rsig" "$T/in" >/dev/null || fail "openssl rejects RSA-PSS sig"
ssscli verify 0x20E8A002 "$T/in" "$T/rsig" --hashalgo RSASSA_PKCS1_PSS_MGF1_SHA384 >/dev/null || fail "verify pss"
echo "other" >"$T/in2"
expect_fail "verify of other data" ssscli verify 0x20E8A001 "$T/in2" "$T/sig"

# --- encrypt / decrypt (RSA on the chip; openssl interoperates) ---
ssscli encrypt 0x20E8A002 "top secret" "$T/ct" || fail "encrypt (literal text)"
openssl pkeyutl -decrypt -inkey "$T/rsa.pem" -in "$T/ct" -pkeyopt rsa_padding_mode:oaep | grep -qx "top secret" \
  || fail "openssl cannot decrypt the chip's OAEP ciphertext"
printf 'from a file' >"$T/ptf"
openssl pkeyutl -encrypt -pubin -inkey "$T/rsa.pub" -in "$T/ptf" -out "$T/ct2" -pkeyopt rsa_padding_mode:pkcs1
ssscli decrypt 0x20E8A002 "$T/ct2" "$T/pt2" --algo rsaes || fail "decrypt rsaes"
cmp -s "$T/ptf" "$T/pt2" || fail "rsaes round trip"
expect_fail "decrypt with the wrong padding" ssscli decrypt 0x20E8A002 "$T/ct2" "$T/pt3" --algo oaep
[ ! -e "$T/pt3" ] || fail "failed decrypt left a file"

# --- refpem: ref keys the library reader maps back to the object ---
ssscli refpem ecc pair 0x20E8A001 "$T/ref.pem" || fail "refpem ecc pair"
head -1 "$T/ref.pem" | grep -q 'BEGIN EC PRIVATE KEY' || fail "refpem ecc is SEC1"
openssl pkey -in "$T/ref.pem" -pubout | cmp -s - "$T/got.pem" || fail "ref key carries the real public key"
ssscli refpem ecc pub 0x20E8A001 "$T/refpub.der" || fail "refpem ecc pub DER"
marker="10$(printf '00%.0s' $(seq 17))20e8a001a5a6b5b6a5a6b5b62000"  # docs/protocol/refkey.md §1, class 20
openssl ec -inform DER -in "$T/refpub.der" -text -noout 2>/dev/null | tr -d ' :\n' | grep -q "$marker" \
  || fail "refpem ecc pub marker (id, magic, class 20)"
ssscli refpem rsa pair 0x20E8A002 "$T/rref.pem" || fail "refpem rsa"
head -1 "$T/rref.pem" | grep -q 'BEGIN RSA PRIVATE KEY' || fail "refpem rsa is PKCS#1"
openssl rsa -in "$T/rref.pem" -text -noout 2>/dev/null | grep -qi 'coefficient: 2779166134' || fail "rsa ref magic"
expect_fail "importing a ref key" ssscli set ecc pair 0x20E8A00F "$T/ref.pem"
assert_contains "$LAST_ERR" "reference key" "ref key import message"
expect_fail "refpem rsa on an EC key" ssscli refpem rsa pair 0x20E8A001 "$T/x.pem"
[ ! -e "$T/x.pem" ] || fail "failed refpem left a file"

# --- policies: named, stored privately, enforced by the chip ---
ssscli policy asymkey nosign 0 --sign false >/dev/null || fail "policy asymkey"
[ "$(stat -c %a "$XDG_CONFIG_HOME/se05x/ssscli-policies/nosign")" = 600 ] || fail "policy file mode"
ssscli policy dump nosign | grep -q 'auth object 0x00000000: VERIFY' || fail "policy dump"
ssscli policy dump nosign | grep -q ' SIGN' && fail "sign bit still set"
ssscli set ecc pair 0x20E8A010 "$T/ec.pem" --policy_name nosign || fail "set with policy"
expect_fail "sign forbidden by the policy" ssscli sign 0x20E8A010 "$T/in" "$T/psig"
assert_contains "$LAST_ERR" "denied" "policy denial message"
ssscli get ecc pub 0x20E8A010 "$T/p.pem" || fail "read allowed by the policy"
ssscli policy file ro 0 --write false --delete true >/dev/null || fail "policy file"
ssscli set bin 0x20E8A011 "$T/blob" --policy_name ro || fail "set bin with policy"
expect_fail "asymkey policy on a binary" ssscli set bin 0x20E8A012 "$T/blob" --policy_name nosign
expect_fail "unknown policy" ssscli generate ecc 0x20E8A012 NIST_P256 --policy_name nope
expect_fail "bad policy name" ssscli policy asymkey ../x 0
expect_fail "bad policy flag" ssscli policy asymkey p2 0 --sing false
ssscli erase 0x20E8A010 && ssscli erase 0x20E8A011 || fail "erase policy objects"

# --- erase / reset ---
ssscli erase 0x20E8A007 || fail "erase"
ssscli se05x readidlist | grep -q 0x20E8A007 && fail "erased object still listed"
out=$(ssscli se05x reset) || fail "reset"
assert_contains "$out" "deleted 6 object(s)" "reset count"
left=$(ssscli se05x readidlist | awk '{print $2}')
for id in $left; do
  case "$id" in 0x7FFF*|0xF*|0x7DA0*|0x0000000[0-3]) ;; *) fail "reset left $id" ;; esac
done
assert_contains "$left" "0x7FFF0206" "UID object survives reset"

# --- bad input: one clear line, nothing changed ---
expect_fail "bad id" ssscli erase 0xZZ
expect_fail "zero id" ssscli set ecc pair 0 "$T/ec.pem"
expect_fail "missing file" ssscli set ecc pair 0x20E8A001 "$T/nope.pem"
echo "-----BEGIN EC PRIVATE KEY-----garbage" >"$T/bad.pem"
expect_fail "malformed PEM" ssscli set ecc pair 0x20E8A001 "$T/bad.pem"
expect_fail "rsa key as ecc" ssscli set ecc pair 0x20E8A001 "$T/rsa.pem"
expect_fail "public key as pair" ssscli set ecc pair 0x20E8A001 "$T/got.pem"
expect_fail "not a cert" ssscli set cert 0x20E8A001 "$T/blob"
ssscli se05x readidlist | grep -q 0x20E8A001 && fail "a failed set created an object"
expect_fail "missing object" ssscli get ecc pub 0x20E8A001 "$T/none.pem"
[ ! -e "$T/none.pem" ] || fail "failed get left a file"
expect_fail "bad curve" ssscli generate ecc 0x20E8A001 NIST_P999
expect_fail "bad rsa size" ssscli generate rsa 0x20E8A001 1000
expect_fail "unknown command" ssscli frobnicate
ssscli --port "127.0.0.1:$(free_port)" se05x uid 2>"$T/e" && fail "unreachable port succeeded"
[ "$(wc -l <"$T/e")" -ge 1 ] && grep -q 'cannot connect' "$T/e" || fail "unreachable port message: $(cat "$T/e")"
note "ssscli: ok"
