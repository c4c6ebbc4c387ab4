#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The PIN held by the chip (docs/pkcs11.md "PIN held by the chip"):
# SE05X_PKCS11_PIN_MODE=chip with pkcs11-tool, ssscli, se05x and the awscrt
# MQTT test (Greengrass V2: key and certificate both from the token).
#  - the PIN is UserID 0x7BFF0001, created by C_SetPIN from the default 1234;
#  - keys generated or imported through the token sign with the PIN and are
#    refused by the chip to `se05x sign`, which bypasses the module;
#  - wrong PINs are counted by the chip: COUNT_LOW, FINAL_TRY, then
#    CKR_PIN_LOCKED; a locked PIN changes nothing (login, C_SetPIN, MQTT).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
/usr/bin/python3 -c 'import awscrt' 2>/dev/null || fail "python3-awscrt is not installed"
sim_start
ssscli se05x reset >/dev/null
# The mode from the configuration file (the environment is tested below).
printf 'pkcs11_pin_mode = chip\npkcs11_pin_tries = 3\n' >"$T/se05x.conf"
chmod 600 "$T/se05x.conf"
export SE05X_CONF="$T/se05x.conf"
unset SE05X_PKCS11_PIN_MODE SE05X_PKCS11_PIN_TRIES SE05X_PKCS11_PIN
p11() { foreign pkcs11-tool --module "$MODULE" "$@"; }
flags() { p11 -T 2>&1 | grep 'token flags'; }
PIN=246810

# --- a fresh chip: no PIN object yet, the default PIN is to be changed ---
assert_contains "$(flags)" "user PIN to be changed" "fresh token"
out=$(p11 --login --pin 9999 -O 2>&1) && fail "a wrong first PIN logged in"
assert_contains "$out" "CKR_PIN_INCORRECT" "wrong first PIN"
case "$(se05x list)" in *0x7BFF0001*) fail "a wrong PIN created the PIN object" ;; esac

# --- C_SetPIN from the default creates the UserID ---
p11 --change-pin --pin 1234 --new-pin "$PIN" >"$T/out" 2>&1 || { cat "$T/out"; fail "change PIN from default"; }
assert_contains "$(se05x list)" "0x7BFF0001  UserID" "PIN UserID on the chip"
out=$(p11 --login --pin 1234 -O 2>&1) && fail "the old default PIN still logs in"
assert_contains "$out" "CKR_PIN_INCORRECT" "old default PIN"
out=$(flags)
case "$out" in *"to be changed"*) fail "still 'to be changed': $out" ;; esac
assert_contains "$out" "user PIN count low" "the wrong default PIN was counted"
P=(--login --pin "$PIN")
p11 "${P[@]}" -O >/dev/null 2>&1 || fail "login with the new PIN"
case "$(flags)" in *"count low"*) fail "a right PIN did not reset the counter" ;; esac

# --- keys made through the token are bound to the PIN session ---
p11 "${P[@]}" --keypairgen --key-type rsa:2048 --label sss:20181001 >/dev/null 2>&1 || fail "keypairgen RSA"
p11 "${P[@]}" --keypairgen --key-type EC:prime256v1 --label sss:20181002 >/dev/null 2>&1 || fail "keypairgen EC"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/imp.pem"
p11 "${P[@]}" --write-object "$T/imp.pem" --type privkey --id 20181005 >/dev/null 2>&1 || fail "import EC key"
se05x public 0x20181001 -o "$T/rsa.pub.pem" || fail "public part readable without the PIN"
se05x public 0x20181002 -o "$T/ec.pub.pem" || fail "public part readable without the PIN"
echo "sign me" >"$T/msg"
openssl dgst -sha256 -binary "$T/msg" >"$T/msg.sha256"
p11 "${P[@]}" --sign --mechanism ECDSA --id 20181002 -i "$T/msg.sha256" -o "$T/ec.sig" \
  --signature-format openssl >/dev/null 2>&1 || fail "sign with the PIN"
openssl pkeyutl -verify -pubin -inkey "$T/ec.pub.pem" -in "$T/msg.sha256" -sigfile "$T/ec.sig" >/dev/null ||
  fail "signature made with the PIN does not verify"
for id in 0x20181001 0x20181002 0x20181005; do
  out=$(se05x sign "$id" -i "$T/msg" -o "$T/bypass.sig" 2>&1) && fail "se05x sign $id without the PIN succeeded"
  assert_contains "$out" "denied by policy (SW 6986)" "se05x sign $id refused by the chip"
done
[ ! -s "$T/bypass.sig" ] || fail "a signature was written without the PIN"
out=$(p11 --sign --mechanism ECDSA --id 20181002 -i "$T/msg.sha256" -o "$T/x.sig" 2>&1) && fail "sign without login"

# --- the applet session lost (clients that end logged in take the two slots): re-opened with the PIN ---
SE05X_LOG=info "$P11_CHECK" "$MODULE" pinlost "$PIN" sss:20181002 2>"$T/lost.err" ||
  { cat "$T/lost.err"; fail "sign after the PIN session was lost"; }
assert_contains "$(cat "$T/lost.err")" "ending the stale ones" "stale sessions ended"
assert_contains "$(cat "$T/lost.err")" "PIN session re-opened on the chip" "session re-opened"

# --- Greengrass V2: certificates on the chip beside the keys, MQTT with both from the token ---
p11_issue "$T/rsa.pub.pem" se05x-rsa-device "$T/rsa.crt"
p11_issue "$T/ec.pub.pem" se05x-ec-device "$T/ec.crt"
ssscli set cert 0x20181003 "$T/rsa.crt" >/dev/null || fail "ssscli set cert"
se05x cert write 0x20181004 "$T/ec.crt" || fail "se05x cert write"
p11_mosquitto "$T/ca.crt"
p11_mqtt sss:20181001 "pkcs11:object=sss:20181001;type=cert" "$PIN"
assert_contains "$(cat "$T/py.out")" "certificate from the token" "RSA certificate from the token"
p11_mqtt sss:20181002 "pkcs11:object=sss:20181002;type=cert" "$PIN"
note "chip PIN: MQTT with key and certificate from the token: ok"
out=$(SE05X_LOG=warn foreign /usr/bin/python3 "$SE05X_SRC/tests/pkcs11/awscrt_mqtt.py" "$MODULE" \
  "pkcs11:object=sss:20181002;type=cert" "$T/ca.crt" "$MQTT_PORT" sss:20181002 999999 2>&1) &&
  fail "MQTT with a wrong PIN connected"
assert_contains "$out" "wrong PIN (counted by the chip)" "the module reports the wrong PIN under awscrt"

# --- wrong PINs counted by the chip, then locked (limit 3 from the config file) ---
assert_contains "$(flags)" "user PIN count low" "awscrt's wrong PIN was counted"
p11 "${P[@]}" -O >/dev/null 2>&1 || fail "right PIN"
out=$(p11 --login --pin 000000 -O 2>&1) && fail "wrong PIN 1 logged in"
assert_contains "$out" "CKR_PIN_INCORRECT" "wrong PIN 1"
out=$(flags)
assert_contains "$out" "user PIN count low" "count low after 1"
case "$out" in *"final user PIN try"*) fail "final try after 1 of 3: $out" ;; esac
out=$(p11 --login --pin 000000 -O 2>&1) && fail "wrong PIN 2 logged in"
assert_contains "$out" "CKR_PIN_INCORRECT" "wrong PIN 2"
assert_contains "$(flags)" "final user PIN try" "final try after 2 of 3"
out=$(p11 --login --pin 000000 -O 2>&1) && fail "wrong PIN 3 logged in"
assert_contains "$out" "CKR_PIN_LOCKED" "wrong PIN 3 locks"
assert_contains "$(flags)" "user PIN locked" "locked flag"
out=$(p11 "${P[@]}" -O 2>&1) && fail "the right PIN logged in to a locked token"
assert_contains "$out" "CKR_PIN_LOCKED" "right PIN on a locked token"
assert_contains "$out" "blocked" "clear message"
out=$(p11 --change-pin --pin "$PIN" --new-pin 135790 2>&1) && fail "PIN changed while locked"
assert_contains "$out" "CKR_PIN_LOCKED" "C_SetPIN on a locked token"
out=$(p11 --login --pin 135790 -O 2>&1) && fail "the new PIN took effect while locked"
assert_contains "$out" "CKR_PIN_LOCKED" "still locked"
out=$(se05x sign 0x20181002 -i "$T/msg" -o "$T/bypass.sig" 2>&1) && fail "se05x sign after lock"
assert_contains "$(se05x list)" "0x20181002" "keys still there"
out=$(foreign /usr/bin/python3 "$SE05X_SRC/tests/pkcs11/awscrt_mqtt.py" "$MODULE" \
  "pkcs11:object=sss:20181002;type=cert" "$T/ca.crt" "$MQTT_PORT" sss:20181002 "$PIN" 2>&1) &&
  fail "MQTT connected with a locked PIN"
assert_contains "$out" "is blocked (attempt limit reached)" "the module reports the locked PIN under awscrt"

# --- the environment wins over the file; a bad mode fails closed ---
out=$(SE05X_PKCS11_PIN_MODE=host p11 --login --pin 1234 -O 2>&1) || fail "host mode by environment: $out"
out=$(SE05X_PKCS11_PIN_MODE=chip-ish p11 --login --pin 1234 -O 2>&1) && fail "a bad mode logged in"
assert_contains "$out" "expected host or chip" "bad mode named"
note "chip-held PIN: counted, locked, bound keys refused without it: ok"
