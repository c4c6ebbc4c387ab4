#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Production lock (docs/production.md): a locked key signs (signature checked
# with openssl) and survives every tool's attempt to replace or delete it —
# se05x, seTool, ssscli, pkcs11-tool — and `se05x reset`, which names it.
# Locked through se05x --locked, an ssscli named policy and PKCS#11
# CKA_DESTROYABLE false; an unlocked key next to it is deleted (so the
# attempts are real).
. "$SE05X_HELPERS/lib.sh"
export XDG_CONFIG_HOME="$T/config" # ssscli policies stay in the test
MODULE="$SE05X_LIBDIR/libsss_pkcs11.so"
sim_start
echo "locked message" >"$T/msg"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/other.pem"
openssl req -new -x509 -key "$T/other.pem" -subj /CN=other -days 3 -out "$T/other.crt" 2>/dev/null

# pubsig ID: the key still holds the same public key and signs (checked by openssl)
pubsig() {
  se05x public "$1" -o "$T/now.pub" 2>/dev/null || fail "$1: gone ($2)"
  cmp -s "$T/now.pub" "$T/$1.pub" || fail "$1: public key changed ($2)"
  se05x sign "$1" -i "$T/msg" -o "$T/$1.sig" || fail "$1: cannot sign ($2)"
  openssl dgst -sha256 -verify "$T/$1.pub" -signature "$T/$1.sig" "$T/msg" >/dev/null || fail "$1: bad signature ($2)"
}

note "se05x generate --locked: signs, cannot be read beyond the public part, deleted or replaced"
out=$(se05x generate ec 0x20E80001 --locked 2>&1)
assert_contains "$out" "locked" "generate --locked"
se05x generate rsa 0x20E80002 --bits 2048 --locked >/dev/null
se05x import 0x20E80003 "$T/other.pem" --locked >/dev/null
se05x cert write 0x20E80004 "$T/other.crt" --locked >/dev/null
se05x generate ec 0x20E8000F >/dev/null # unlocked: the attempts below must delete it
for id in 0x20E80001 0x20E80002 0x20E80003; do se05x public $id -o "$T/$id.pub"; pubsig $id created; done
expect_fail "delete locked" se05x delete 0x20E80001
assert_contains "$LAST_ERR" "denied by policy" "delete locked"
expect_fail "generate --force over locked" se05x generate ec 0x20E80001 --force
assert_contains "$LAST_ERR" "denied by policy" "generate --force"
expect_fail "import --force over locked" se05x import 0x20E80003 "$T/other.pem" --force
expect_fail "cert write over locked" se05x cert write 0x20E80004 "$SE05X_SRC/tests/lifecycle/README.md"
openssl req -new -x509 -key "$T/other.pem" -subj /CN=replaced -days 3 -out "$T/repl.crt" 2>/dev/null
expect_fail "cert write other cert over locked" se05x cert write 0x20E80004 "$T/repl.crt"
se05x cert read 0x20E80004 --pem -o "$T/back.crt"
cmp -s <(openssl x509 -in "$T/back.crt" -outform DER) <(openssl x509 -in "$T/other.crt" -outform DER) ||
  fail "locked certificate changed"
expect_fail "private export" se05x read 0x20E80001 --private
expect_fail "--locked with a delete right" se05x generate ec 0x20E80009 --locked --policy sign,delete
assert_contains "$LAST_ERR" "cannot have the rights" "--locked --policy"
se05x exists 0x20E80009 && fail "usage error created an object"
for id in 0x20E80001 0x20E80002 0x20E80003; do pubsig $id se05x; done

note "ssscli: named policy without write/generate/delete/import_export locks; erase/set/generate refused"
ssscli connect se05x jrcpv1 "127.0.0.1:$SIM_PORT" >/dev/null
ssscli policy asymkey locked 0 --write false --generate false --delete false --import_export false >/dev/null
ssscli set ecc pair 0x20E80005 "$T/other.pem" --policy_name locked >/dev/null || fail "ssscli set --policy_name"
se05x public 0x20E80005 -o "$T/0x20E80005.pub"
pubsig 0x20E80005 ssscli-created
for id in 0x20E80001 0x20E80005; do
  ssscli erase $id >/dev/null 2>&1 || true
  ssscli set ecc pair $id "$T/other.pem" >/dev/null 2>&1 || true
  ssscli generate ecc $id NIST_P256 >/dev/null 2>&1 || true
done
ssscli se05x reset >/dev/null 2>&1 || true
ssscli disconnect >/dev/null 2>&1 || true
for id in 0x20E80001 0x20E80002 0x20E80003 0x20E80005; do pubsig $id ssscli; done
se05x exists 0x20E8000F && fail "ssscli se05x reset did not delete the unlocked key (attempts not real)"

note "seTool: genECC / setECC over locked keys"
for id in 0x20E80001 0x20E80003 0x20E80005; do
  seTool genECC $id >/dev/null 2>&1 || true
  seTool setECC $id "$T/other.pem" >/dev/null 2>&1 || true
done
for id in 0x20E80001 0x20E80003 0x20E80005; do pubsig $id seTool; done

note "PKCS#11: CKA_DESTROYABLE false in C_GenerateKeyPair locks; C_DestroyObject refused"
with_asan_preload "$SE05X_BUILD/tests/lifecycle_p11lock" "$MODULE" 20E80006 || fail "PKCS#11 locked keygen / destroy"
se05x public 0x20E80006 -o "$T/0x20E80006.pub"
pubsig 0x20E80006 pkcs11-created

note "pkcs11-tool: delete, keygen and write over locked keys refused"
if ! command -v pkcs11-tool >/dev/null; then echo "SKIP: pkcs11-tool (OpenSC) not installed"; exit 77; fi
p11() { with_asan_preload timeout 120 pkcs11-tool --module "$MODULE" --login --pin 1234 "$@"; }
p11 --keypairgen --key-type EC:prime256v1 --id 20e80007 >/dev/null 2>&1 || fail "keygen unlocked"
for id in 20e80001 20e80006 20e80007; do
  p11 --delete-object --type privkey --id $id >/dev/null 2>&1 || true
done
se05x exists 0x20E80007 && fail "pkcs11-tool could not delete an unlocked key (attempts not real)"
p11 --keypairgen --key-type EC:prime256v1 --id 20e80001 >/dev/null 2>&1 && fail "keygen over a locked key"
p11 --write-object "$T/other.pem" --type privkey --id 20e80006 >/dev/null 2>&1 || true
for id in 0x20E80001 0x20E80006; do pubsig $id pkcs11-tool; done

note "se05x reset: locked objects kept and named, exit 0"
se05x generate ec 0x20E8000E >/dev/null
out=$(se05x reset --yes 2>&1) || fail "reset failed as a whole"
for id in 0x20E80001 0x20E80002 0x20E80003 0x20E80004 0x20E80005 0x20E80006; do
  assert_contains "$out" "kept $id: locked" "reset report"
done
assert_contains "$out" "deleted 1 object, kept 6 locked objects" "reset summary"
se05x exists 0x20E8000E && fail "reset left the unlocked key"
for id in 0x20E80001 0x20E80002 0x20E80003 0x20E80005 0x20E80006; do pubsig $id reset; done
echo PASS
