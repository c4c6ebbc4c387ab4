#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# se05x provision (docs/production.md "Provisioning manifest"): a manifest with
# an error on line N (named, no connection to the chip at all), --dry-run
# (plan, no write APDU), apply (objects, policies, files), re-apply (verified,
# no write APDU: the emulator's --stats), conflicts (reported, nothing
# changed, not even the lines without conflict), the example in docs/.
. "$SE05X_HELPERS/lib.sh"
sim_start sim --stats "$T/stats.jsonl"
P="$T/p"; mkdir -p "$P/out"
cd "$P"
writes_of_last() { tail -1 "$T/stats.jsonl" | sed -n 's/.*"writes":\([0-9]*\).*/\1/p'; }
conns() { if [ -f "$T/stats.jsonl" ]; then wc -l <"$T/stats.jsonl"; else echo 0; fi; }
openssl genrsa -out rsa.pem 2048 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.pem
openssl req -new -x509 -key ec.pem -subj /CN=dev -days 3 -out dev.crt 2>/dev/null
printf 'reset-owner-1' >reset.secret; chmod 600 reset.secret
cat >m.txt <<'M'
# factory line, station 3
claim transport
claim factory-reset secret=reset.secret
key 0x20181001 ec P-256 locked refkey=out/dev.key.pem public=out/dev.pub.pem csr=out/dev.csr subject="/CN=device 7/O=Acme"
key 0x20181002 rsa 2048 import=rsa.pem locked refkey=out/rsa.key.pem
key 0x20181003 ec P-256 import=ec.pem policy=sign,verify,read
cert 0x20181004 dev.crt locked
M

note "usage"
se05x provision --help | grep -q "^Usage: se05x provision MANIFEST" || fail "provision --help"
rc=0; se05x provision >/dev/null 2>&1 || rc=$?; [ $rc = 2 ] || fail "provision without a manifest: rc $rc"
rc=0; se05x provision "$T/nope.txt" >/dev/null 2>"$T/err" || rc=$?; [ $rc = 1 ] || fail "missing manifest: rc $rc"
assert_contains "$(cat "$T/err")" "nope.txt" "missing manifest named"

note "a manifest with errors: every bad line named, nothing sent to the chip"
sed 's/ec P-256 locked refkey/ec P-999 locked refkey/; s/^cert 0x20181004 dev.crt locked/cert 0x20181004 missing.crt locked/' m.txt >bad.txt
before=$(conns)
rc=0; se05x provision bad.txt >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "bad manifest: rc $rc"
assert_contains "$(cat "$T/err")" "bad.txt:4: unsupported curve 'P-999'" "line 4 named"
assert_contains "$(cat "$T/err")" "bad.txt:7: certificate file 'missing.crt' unreadable" "line 7 named"
assert_contains "$(cat "$T/err")" "nothing was sent to the chip" "bad manifest"
for bad in "key 0x20181001 ec P-256 frobnicate" "key 0x20181001 ec P-256 locked policy=sign,delete" \
           "key 0x7FFF0200 ec P-256" "claim everything" "key 0x20181009 ec P-256 csr=out/x.csr" \
           "key 0x20181009 ec P-256 public-only" "key 0x2018100A rsa 2048 import=ec.pem" \
           "key 0x2018100B ec P-256 refkey=nodir/k.pem"; do
  printf '# one bad line\n\n%s\n' "$bad" >bad2.txt
  rc=0; se05x provision bad2.txt >/dev/null 2>"$T/err" || rc=$?
  [ $rc = 2 ] || fail "'$bad': rc $rc"
  assert_contains "$(cat "$T/err")" "bad2.txt:3:" "'$bad' names line 3"
done
printf 'key 0x20181001 ec P-256\nkey 0x20181001 ec P-384\n' >dup.txt
rc=0; se05x provision dup.txt >/dev/null 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "duplicate id: rc $rc"
assert_contains "$(cat "$T/err")" "dup.txt:2: object 0x20181001 already appears on line 1" "duplicate id"
[ "$(conns)" = "$before" ] || fail "a bad manifest connected to the chip"

note "--dry-run: the plan, no write"
out=$(se05x provision m.txt --dry-run) || fail "dry run"
[ "$(grep -c 'would create' <<<"$out")" = 6 ] || fail "dry run plan: $out"
assert_contains "$out" "line 4: key 0x20181001 EC P-256 key pair, generated in the chip, locked: would create" "plan"
[ "$(writes_of_last)" = 0 ] || fail "dry run wrote"
se05x exists 0x20181001 >/dev/null && fail "dry run created a key"
[ ! -e out/dev.key.pem ] || fail "dry run wrote files"

note "apply"
out=$(se05x provision m.txt 2>&1) || fail "apply"
assert_contains "$out" "done: 6 created, 0 already in place" "apply"
[ "$(writes_of_last)" -gt 0 ] || fail "apply sent no write"
info=$(se05x info 2>/dev/null)
assert_contains "$info" "TRANSPORT 0x7FFF0200:       claimed" "claimed by the manifest"
assert_contains "$info" "FACTORY_RESET 0x7FFF0205:   claimed" "claimed by the manifest"
echo "manifest" >msg
se05x sign 0x20181001 -i msg -o sig
openssl dgst -sha256 -verify out/dev.pub.pem -signature sig msg >/dev/null || fail "generated key / public file"
[ "$(openssl pkey -in out/dev.key.pem -pubout -outform DER | od -An -tx1)" = \
  "$(openssl pkey -pubin -in out/dev.pub.pem -outform DER | od -An -tx1)" ] || fail "refkey != public key"
openssl req -in out/dev.csr -verify -noout 2>&1 | grep -q "verify OK" || fail "CSR does not verify"
openssl req -in out/dev.csr -noout -subject | grep -q "CN = device 7, O = Acme" || fail "CSR subject"
[ "$(openssl pkey -in out/rsa.key.pem -pubout -outform DER | od -An -tx1)" = \
  "$(openssl pkey -in rsa.pem -pubout -outform DER | od -An -tx1)" ] || fail "imported RSA key / refkey"
expect_fail "locked by the manifest" se05x delete 0x20181001
assert_contains "$LAST_ERR" "denied by policy" "manifest lock"
expect_fail "locked cert" se05x delete 0x20181004
se05x delete 0x20181003 >/dev/null 2>&1 && fail "policy=sign,verify,read allowed a delete"
cp out/dev.csr "$T/csr.first"

note "re-apply: everything verified, no write APDU, CSR kept"
out=$(se05x provision m.txt 2>&1) || fail "re-apply"
[ "$(grep -c 'in place, verified' <<<"$out")" = 6 ] || fail "re-apply: $out"
assert_contains "$out" "done: 0 created, 6 already in place" "re-apply"
[ "$(writes_of_last)" = 0 ] || fail "re-apply sent $(writes_of_last) write APDUs"
cmp -s out/dev.csr "$T/csr.first" || fail "re-apply replaced the CSR"

note "conflicts: reported with their line, nothing changed (not even the good lines)"
openssl ecparam -name prime256v1 -genkey -noout -out other.pem
cat >c.txt <<'M'
key 0x2018100A ec P-256
key 0x20181001 rsa 2048
key 0x20181003 ec P-256 import=other.pem policy=sign,verify,read
key 0x20181002 rsa 2048 import=rsa.pem
cert 0x20181004 dev.crt
M
rc=0; se05x provision c.txt >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 1 ] || fail "conflicts: rc $rc"
e=$(cat "$T/err")
assert_contains "$e" "c.txt:2: object 0x20181001 on 127.0.0.1:$SIM_PORT does not match: it is a EC key pair; not overwritten" "type conflict"
assert_contains "$e" "c.txt:3: object 0x20181003" "other key conflict"
assert_contains "$e" "holds another key than" "other key conflict"
assert_contains "$e" "c.txt:4: object 0x20181002" "policy conflict (locked, manifest unlocked)"
assert_contains "$e" "c.txt:5: object 0x20181004" "cert policy conflict"
assert_contains "$e" "4 conflicts; nothing was changed" "summary"
[ "$(writes_of_last)" = 0 ] || fail "a manifest with conflicts wrote"
se05x exists 0x2018100A >/dev/null && fail "the good line of a conflicting manifest was applied"

note "the example manifest in docs/examples is valid"
mkdir -p "$T/ex/out"; cp "$SE05X_SRC/docs/examples/production.manifest" "$T/ex/"
sim_start fresh
out=$(se05x provision "$T/ex/production.manifest" --dry-run) || fail "example manifest"
assert_contains "$out" "claim TRANSPORT" "example"
out=$(se05x provision "$T/ex/production.manifest" 2>&1) || fail "example manifest apply"
openssl req -in "$T/ex/out/device.csr" -verify -noout 2>&1 | grep -q "verify OK" || fail "example CSR"
echo PASS
