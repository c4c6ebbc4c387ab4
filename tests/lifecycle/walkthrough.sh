#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The worked example of docs/production.md, command for command (emulator on a
# free port instead of 8050; attestation and PIN mode have their own tests):
# blank chip -> own SCP03 keys -> manifest (claim, locked key, CSR) -> CA
# certificate stored locked -> the "ready to ship" checks.
. "$SE05X_HELPERS/lib.sh"
export XDG_CONFIG_HOME="$T/config"
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
cd "$T"
umask 077
mkdir -p chip out
printf 'ENC %s\nMAC %s\nDEK %s\n' $(openssl rand -hex 16) $(openssl rand -hex 16) $(openssl rand -hex 16) >factory.keys
sim_start chip --scp03-keys factory.keys
info=$(se05x info 2>"$T/w.err")
assert_contains "$info" "link:                       plain" "blank chip"
assert_contains "$info" "TRANSPORT 0x7FFF0200:       NOT CLAIMED" "blank chip"
[ "$(grep -c WARNING "$T/w.err")" = 2 ] || fail "blank chip: two warnings expected"

note "step 1: channel keys of our own"
printf 'ENC %s\nMAC %s\nDEK %s\n' $(openssl rand -hex 16) $(openssl rand -hex 16) $(openssl rand -hex 16) >device.keys
EX_SSS_BOOT_SCP03_PATH=factory.keys se05x scp03 rotate --new-keys device.keys >/dev/null || fail "rotate"
export EX_SSS_BOOT_SCP03_PATH=$PWD/device.keys SE05X_AUTH=platform-scp03
assert_contains "$(se05x info 2>/dev/null)" "link:                       platform-scp03" "after rotate"

note "steps 2-3, 6: the manifest"
cat >device.manifest <<'M'
claim transport
claim factory-reset
key 0x20181001 ec P-256 locked refkey=out/device.key.pem public=out/device.pub.pem csr=out/device.csr subject="/CN=device-0001/O=Example Corp"
M
se05x provision device.manifest --dry-run | grep -q "dry run: 3 objects would be created" || fail "dry run"
se05x provision device.manifest >/dev/null || fail "provision"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -subj /CN=Example-CA \
  -days 3650 -out ca.crt 2>/dev/null
openssl x509 -req -in out/device.csr -CA ca.crt -CAkey ca.key -days 3650 -out out/device.crt 2>/dev/null ||
  fail "CA signs the CSR"
echo 'cert 0x20181002 out/device.crt locked' >>device.manifest
out=$(se05x provision device.manifest 2>&1) || fail "provision with the certificate"
[ "$(grep -c 'in place, verified' <<<"$out")" = 3 ] || fail "second run: $out"
assert_contains "$out" "done: 1 created, 3 already in place" "second run"

note "ready to ship"
info=$(se05x info 2>"$T/w.err")
assert_contains "$info" "link:                       platform-scp03" "ship"
assert_contains "$info" "TRANSPORT 0x7FFF0200:       claimed" "ship"
assert_contains "$info" "FACTORY_RESET 0x7FFF0205:   claimed" "ship"
[ ! -s "$T/w.err" ] || fail "warnings on the shipped device: $(cat "$T/w.err")"
expect_fail "delete the device key" se05x delete 0x20181001
assert_contains "$LAST_ERR" "denied by policy (SW 6986)" "ship"
out=$(se05x reset --yes 2>&1) || fail "reset"
assert_contains "$out" "kept 0x20181001: locked" "reset"
assert_contains "$out" "kept 0x20181002: locked" "reset"
out=$(se05x provision device.manifest 2>&1) || fail "final run"
[ "$(grep -c 'in place, verified' <<<"$out")" = 4 ] || fail "final run: $out"
# the device key works through the reference key written by the manifest
echo "hello backend" >msg
se05x sign 0x20181001 -i msg -o sig
openssl dgst -sha256 -verify out/device.pub.pem -signature sig msg >/dev/null || fail "signature"
openssl verify -CAfile ca.crt out/device.crt >/dev/null || fail "certificate chain"
echo PASS
