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
# `none` names no port: EX_SSS_BOOT_SSS_PORT still decides (the AWS blog's flow on the emulator)
ssscli se05x uid | grep -q '^Unique ID' || fail "connect ... none must leave the port to EX_SSS_BOOT_SSS_PORT"
# an explicit saved port beats EX_SSS_BOOT_SSS_PORT: this now targets /dev/i2c-1 (absent here)
ssscli connect se050 t1oi2c /dev/i2c-1 >/dev/null 2>&1 || fail "connect se050 t1oi2c /dev/i2c-1"
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
# a symbolic link planted at the state path: connect refuses, the target unchanged
echo precious >"$T/state-victim"
ln -s "$T/state-victim" "$STATE"
expect_fail "connect over a symlinked state file" ssscli connect se05x jrcpv1 127.0.0.1:1
assert_contains "$LAST_ERR" "is a symbolic link (refused)" "state symlink message"
[ "$(cat "$T/state-victim")" = precious ] && [ -L "$STATE" ] || fail "connect wrote through the state symlink"
rm -f "$STATE"
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

# --- generate never replaces an existing key (NXP's silently does): refused, key kept ---
ssscli get ecc pub 0x20E8A006 "$T/gen6.pem" || fail "get generated key"
ssscli get rsa pub 0x20E8A007 "$T/gen7.pem" || fail "get generated rsa key"
for args in "ecc 0x20E8A006 NIST_P384" "ecc 0x20E8A006 NIST_P256" "rsa 0x20E8A007 2048" "ecc 0x20E8A001 NIST_P256" \
  "rsa 0x20E8A004 2048"; do
  set +e; ssscli generate $args >"$T/out.txt" 2>"$T/err.txt"; rc=$?; set -e
  [ "$rc" -eq 1 ] || fail "generate $args on an existing id: exit $rc, expected 1"
  [ "$(wc -l <"$T/err.txt")" -eq 1 ] || fail "generate $args: expected one error line: $(cat "$T/err.txt")"
  id=$(echo "$args" | awk '{print $2}' | tr a-f A-F | sed 's/^0X/0x/')
  assert_contains "$(cat "$T/err.txt")" "object $id already exists" "generate $args message"
done
ssscli get ecc pub 0x20E8A006 "$T/gen6b.pem" && cmp -s "$T/gen6.pem" "$T/gen6b.pem" || fail "refused generate changed 0x20E8A006"
ssscli get rsa pub 0x20E8A007 "$T/gen7b.pem" && cmp -s "$T/gen7.pem" "$T/gen7b.pem" || fail "refused generate changed 0x20E8A007"
ssscli get ecc pub 0x20E8A001 "$T/got1b.pem" && cmp -s "$T/got.pem" "$T/got1b.pem" || fail "refused generate changed 0x20E8A001"
[ "$(ssscli se05x readidlist)" = "$list" ] || fail "a refused generate changed the object list"

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
out=$(ssscli se05x reset 2>&1 >/dev/null) || fail "reset"
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

# --- usage errors: exit 2, one line naming the problem, nothing changed (docs/ssscli.md) ---
# rc_is RC "what" needle cmd...
rc_is() {
  local want=$1 what=$2 needle=$3; shift 3
  local rc=0
  "$@" >"$T/out.txt" 2>"$T/err.txt" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$T/err.txt" >&2; fail "$what: exit $rc, expected $want: $*"; }
  [ "$(wc -l <"$T/err.txt")" -eq 1 ] || { cat "$T/err.txt" >&2; fail "$what: expected one line on stderr"; }
  assert_contains "$(cat "$T/err.txt")" "$needle" "$what"
}
before=$(ssscli se05x readidlist)
echo x >"$T/data"
rc_is 2 "unknown command" "unknown command 'frobnicate'" ssscli frobnicate
rc_is 2 "unknown se05x subcommand" "unknown se05x command 'frob'" ssscli se05x frob
rc_is 2 "se05x without subcommand" "usage: ssscli se05x" ssscli se05x
rc_is 2 "se05x extra argument" "usage: ssscli se05x" ssscli se05x uid extra
rc_is 2 "unknown set kind" "'set foo': unknown object kind" ssscli set foo 0x20E8A001 "$T/ec.pem"
rc_is 2 "unknown get kind" "'get foo'" ssscli get foo 0x20E8A001 "$T/x"
rc_is 2 "unknown generate kind" "'generate dsa'" ssscli generate dsa 0x20E8A001 1024
rc_is 2 "set missing file" "usage: ssscli set ecc" ssscli set ecc pair 0x20E8A001
rc_is 2 "set bad part" "usage: ssscli set ecc" ssscli set ecc both 0x20E8A001 "$T/ec.pem"
rc_is 2 "set cert extra" "usage: ssscli set cert" ssscli set cert 0x20E8A001 "$T/c.pem" extra
rc_is 2 "get missing file" "usage: ssscli get rsa" ssscli get rsa pub 0x20E8A002
rc_is 2 "generate missing curve" "usage: ssscli generate" ssscli generate ecc 0x20E8A001
rc_is 2 "generate extra" "usage: ssscli generate" ssscli generate rsa 0x20E8A001 2048 x
rc_is 2 "erase missing id" "usage: ssscli erase" ssscli erase
rc_is 2 "erase extra" "usage: ssscli erase" ssscli erase 0x20E8A002 0x20E8A003
rc_is 2 "disconnect extra" "usage: ssscli disconnect" ssscli disconnect now
rc_is 2 "connect missing port" "usage: ssscli connect" ssscli connect se05x t1oi2c
rc_is 2 "connect bad port" "invalid port" ssscli connect se05x jrcpv1 host:99999
rc_is 2 "sign missing sig" "usage: ssscli sign" ssscli sign 0x20E8A002 "$T/in"
rc_is 2 "verify extra" "usage: ssscli verify" ssscli verify 0x20E8A002 "$T/in" "$T/rsig" x
rc_is 2 "encrypt missing out" "usage: ssscli encrypt" ssscli encrypt 0x20E8A002 hi
rc_is 2 "refpem bad kind" "usage: ssscli refpem" ssscli refpem dsa pair 0x20E8A001 "$T/x.pem"
rc_is 2 "refpem rsa pub" "refpem rsa pub is not defined" ssscli refpem rsa pub 0x20E8A002 "$T/x.pem"
rc_is 2 "policy missing auth" "usage: ssscli policy" ssscli policy asymkey p3
rc_is 2 "policy dump missing name" "usage: ssscli policy" ssscli policy dump
for id in 0x0 "" 0x 12G4; do
  rc_is 2 "erase bad id '$id'" "invalid key id '$id'" ssscli erase "$id"
done
for id in 0xZZ 0 123456789; do
  rc_is 2 "erase bad id '$id'" "invalid key id '$id'" ssscli erase "$id"
  rc_is 2 "set bad id '$id'" "invalid key id '$id'" ssscli set ecc pair "$id" "$T/ec.pem"
  rc_is 2 "generate bad id '$id'" "invalid key id '$id'" ssscli generate ecc "$id" NIST_P256
  rc_is 2 "sign bad id '$id'" "invalid key id '$id'" ssscli sign "$id" "$T/in" "$T/s"
  rc_is 2 "refpem bad id '$id'" "invalid key id '$id'" ssscli refpem ecc pair "$id" "$T/x.pem"
done
rc_is 2 "unknown option" "unknown option --nope" ssscli se05x uid --nope
rc_is 2 "unknown option before the command" "unknown option --nope" ssscli --nope se05x uid
rc_is 2 "option without value" "option --hashalgo needs a value" ssscli sign 0x20E8A002 "$T/in" "$T/s" --hashalgo
rc_is 2 "option of another command" "'erase' takes no option --hashalgo" ssscli erase 0x20E8A002 --hashalgo SHA256
rc_is 2 "option of another command (=)" "'se05x' takes no option --format" ssscli se05x uid --format=PEM
rc_is 2 "policy flag elsewhere" "unknown option --sign" ssscli erase 0x20E8A002 --sign true
rc_is 2 "bad --format" "--format must be DER or PEM" ssscli get ecc pub 0x20E8A006 "$T/x" --format XML
rc_is 2 "bad --format on set" "--format must be DER or PEM" ssscli set ecc pair 0x20E8A00E "$T/ec.pem" --format XML
rc_is 2 "bad --hashalgo" "unknown --hashalgo 'MD5'" ssscli sign 0x20E8A002 "$T/in" "$T/s" --hashalgo MD5
rc_is 2 "bad --algo" "--algo must be oaep or rsaes" ssscli encrypt 0x20E8A002 hi "$T/ct9" --algo raw
rc_is 2 "bad curve" "unknown curve 'NIST_P999'" ssscli generate ecc 0x20E8A00E NIST_P999
rc_is 2 "bad rsa size" "RSA size must be" ssscli generate rsa 0x20E8A00E 1000
rc_is 2 "bad policy name" "policy name '../x'" ssscli policy asymkey ../x 0
rc_is 2 "bad policy name in --policy_name" "policy name '../x'" ssscli generate ecc 0x20E8A00E NIST_P256 --policy_name ../x
rc_is 2 "bad policy flag" "--sing is not a asymkey policy flag" ssscli policy asymkey p2 0 --sing false
rc_is 2 "bad policy boolean" "is not a boolean" ssscli policy asymkey p2 0 --sign maybe
rc_is 2 "bad auth id" "invalid auth_obj_id" ssscli policy asymkey p2 0xZZ
rc_is 2 "unknown policy type" "unknown policy type 'foo'" ssscli policy foo p2 0
# well-formed requests this ssscli does not offer, and runtime failures: exit 1
rc_is 1 "a71ch" "not supported" ssscli a71ch
rc_is 1 "set aes" "not supported" ssscli set aes 0x20E8A00E "$T/data"
rc_is 1 "policy symkey" "not supported" ssscli policy symkey p2 0
rc_is 1 "connect sci2c" "not supported" ssscli connect se05x sci2c none
rc_is 1 "refpem PKCS12" "PKCS12" ssscli refpem ecc pair 0x20E8A006 "$T/x.p12"
rc_is 1 "missing input file" "nope.pem" ssscli set ecc pair 0x20E8A00E "$T/nope.pem"
rc_is 1 "unknown policy" "no policy named 'nope'" ssscli generate ecc 0x20E8A00E NIST_P256 --policy_name nope
[ "$(ssscli se05x readidlist)" = "$before" ] || fail "a usage error changed the chip"
[ ! -e "$T/s" ] && [ ! -e "$T/x" ] && [ ! -e "$T/x.pem" ] && [ ! -e "$T/ct9" ] || fail "a usage error wrote a file"
if ssscli --help >/dev/null 2>&1; then :; else fail "--help must exit 0"; fi
rc=0; ssscli >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "no command: exit $rc, expected 2"

# --- output files: a symbolic link at the path is refused, its target unchanged ---
ssscli set ecc pair 0x20E8A001 "$T/ec.pem" && ssscli set bin 0x20E8A005 "$T/blob" \
  && ssscli set rsa pair 0x20E8A002 "$T/rsa.pem" || fail "objects for the output-file checks"
echo precious >"$T/victim"
for cmd in "get ecc pub 0x20E8A001" "refpem ecc pair 0x20E8A001" "get bin 0x20E8A005" "sign 0x20E8A001 $T/in"; do
  ln -sf "$T/victim" "$T/link.pem"
  rc_is 1 "$cmd into a symlink" "$T/link.pem: is a symbolic link (refused)" ssscli $cmd "$T/link.pem"
  [ "$(cat "$T/victim")" = precious ] || fail "$cmd wrote through a symlink"
  [ -L "$T/link.pem" ] || fail "$cmd replaced the symlink"
done
ln -sf "$T/newvictim" "$T/dangling.pem"
rc_is 1 "dangling symlink" "is a symbolic link" ssscli get ecc pub 0x20E8A001 "$T/dangling.pem"
[ ! -e "$T/newvictim" ] || fail "a dangling symlink's target was created"
ls -A "$T" | grep -q '\.tmp$' && fail "a temporary file was left behind: $(ls -A "$T")"
# modes: public material 0644, binary objects and decrypted data 0600 (umask 022); never widened
(umask 022
 ssscli get ecc pub 0x20E8A001 "$T/m.pem" && ssscli get bin 0x20E8A005 "$T/m.bin" \
   && ssscli decrypt 0x20E8A002 "$T/ct2" "$T/m.pt" --algo rsaes) || fail "writes for the mode check"
[ "$(stat -c %a "$T/m.pem")" = 644 ] && [ "$(stat -c %a "$T/m.bin")" = 600 ] && [ "$(stat -c %a "$T/m.pt")" = 600 ] \
  || fail "modes: $(stat -c '%n %a' "$T"/m.*)"
chmod 600 "$T/m.pem"
ssscli get ecc pub 0x20E8A001 "$T/m.pem" && [ "$(stat -c %a "$T/m.pem")" = 600 ] || fail "an existing file's mode was widened"
for id in 0x20E8A001 0x20E8A002 0x20E8A005; do ssscli erase $id || fail "erase $id"; done
ssscli --port "127.0.0.1:$(free_port)" se05x uid 2>"$T/e" && fail "unreachable port succeeded"
[ "$(wc -l <"$T/e")" -ge 1 ] && grep -q 'cannot connect' "$T/e" || fail "unreachable port message: $(cat "$T/e")"
note "ssscli: ok"
