#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bad input: one clear line on stderr naming the object or port, non-zero
# exit, nothing changed on the chip; no hang when the emulator dies.
. "$SE05X_HELPERS/lib.sh"
. "$(dirname "$0")/common.sh"
sim_start
P="127.0.0.1:$SIM_PORT"
se05x generate ec 0x7f000001 >/dev/null
printf 'data' >"$T/bin"
se05x write 0x20000001 "$T/bin" >/dev/null
echo "message" >"$T/msg"

note "malformed key ids (usage errors, exit 2)"
for id in 0xZZ 123456789 "" 0x 0x0 7f00000g "7f00 0001"; do
  bad_input "id '$id'" 2 "malformed object id" se05x public "$id"
  bad_input "seTool id '$id'" 2 "malformed keyId" seTool getPublic "$id" "$T/x.pem"
done

note "missing object"
for cmd in "public" "refkey" "delete" "read" "cert read"; do
  bad_input "$cmd of a missing object" 1 "object 0x7F0000FF not found on $P" se05x $cmd 0x7f0000ff
done
bad_input "sign with a missing object" 1 "object 0x7F0000FF not found on $P" \
  se05x sign 0x7f0000ff -i "$T/msg" -o "$T/sig"
bad_input "seTool getRef of a missing object" 1 "object 0x7F0000FF not found on $P" \
  seTool getRef 0x7f0000ff "$T/x.ref"
[ ! -e "$T/x.ref" ] || fail "getRef of a missing object left a file"

bad_input "missing input file" 1 "nofile" se05x sign 0x7f000001 -i "$T/nofile" -o "$T/sig"
[ ! -e "$T/sig" ] || fail "failed sign left a file"

note "object of the wrong type"
bad_input "sign with a binary object" 1 "0x20000001 on $P is a binary file, not a key" \
  se05x sign 0x20000001 -i "$T/msg" -o "$T/sig"
bad_input "refkey of a binary object" 1 "0x20000001" se05x refkey 0x20000001
bad_input "seTool getPublic of a binary" 1 "0x20000001" seTool getPublic 0x20000001 "$T/x.pem"
bad_input "csr with a binary object" 1 "0x20000001" se05x csr 0x20000001 --subj /CN=x

note "bad key files"
printf -- '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n' >"$T/bad.pem"
head -c 300 /dev/urandom >"$T/garbage.der"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:x -out "$T/enc.pem" 2>/dev/null
openssl genpkey -algorithm ED448 -out "$T/ed448.pem" 2>/dev/null
openssl ecparam -name prime239v1 -genkey -noout -out "$T/p239.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1000 -out "$T/rsa1000.pem" 2>/dev/null
se05x refkey 0x7f000001 -o "$T/ref.pem"
bad_input "malformed PEM" 1 "bad.pem" se05x import 0x7f000010 "$T/bad.pem"
bad_input "garbage DER" 1 "garbage.der" se05x import 0x7f000010 "$T/garbage.der"
bad_input "encrypted PEM" 1 "encrypted" se05x import 0x7f000010 "$T/enc.pem"
bad_input "ed448 key" 1 "unsupported key type" se05x import 0x7f000010 "$T/ed448.pem"
bad_input "prime239v1 key" 1 "unsupported curve" se05x import 0x7f000010 "$T/p239.pem"
bad_input "RSA-1000 key" 1 "unsupported RSA key size 1000" se05x import 0x7f000010 "$T/rsa1000.pem"
bad_input "ref key as key" 1 "reference key to object 0x7F000001" se05x import 0x7f000010 "$T/ref.pem"
bad_input "missing key file" 1 "nofile.pem" se05x import 0x7f000010 "$T/nofile.pem"
bad_input "seTool setECC malformed" 1 "bad.pem" seTool setECC 0x7f000010 "$T/bad.pem"
bad_input "seTool setECC encrypted" 1 "encrypted" seTool setECC 0x7f000010 "$T/enc.pem"
bad_input "seTool setECC RSA" 1 "EC key" seTool setECC 0x7f000010 "$T/rsa1000.pem"
bad_input "curve foo" 2 "unsupported curve 'foo'" se05x generate ec 0x7f000010 --curve foo
bad_input "RSA 1000 bits" 2 "unsupported RSA size '1000'" se05x generate rsa 0x7f000010 --bits 1000
bad_input "bad policy right" 2 "unknown policy right 'fly'" se05x generate ec 0x7f000010 --policy sign,fly
bad_input "bad digest" 2 "unknown digest" se05x sign 0x7f000001 -i "$T/msg" -o "$T/s" --digest md5

note "refused port"
FP=127.0.0.1:$(free_port)
bad_input "refused port (--port)" 1 "$FP" se05x --port "$FP" info
bad_input "refused port (env)" 1 "$FP" env EX_SSS_BOOT_SSS_PORT="$FP" se05x list
bad_input "seTool refused port (argument)" 1 "$FP" seTool genECC 0x7f000010 "$FP"
bad_input "seTool refused port (env)" 1 "$FP" env EX_SSS_BOOT_SSS_PORT="$FP" seTool getPublic 0x7f000001 "$T/x.pem"
bad_input "no such I2C bus" 1 "/dev/i2c-99" seTool genECC 0x7f000010 /dev/i2c-99

note "policy denial"
se05x generate ec 0x7f000020 --policy verify >/dev/null
bad_input "sign with a verify-only key" 1 "denied by policy" se05x sign 0x7f000020 -i "$T/msg" -o "$T/sig"
assert_contains "$LAST_ERR" "0x7F000020"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/sw.pem" 2>/dev/null
se05x import 0x7f000021 "$T/sw.pem" --policy verify,read >/dev/null
openssl dgst -sha256 -sign "$T/sw.pem" -out "$T/sw.sig" "$T/msg"
se05x verify 0x7f000021 -i "$T/msg" -s "$T/sw.sig" | grep -q "Signature OK" || fail "verify-only key cannot verify"
bad_input "sign with an imported verify-only key" 1 "denied by policy" se05x sign 0x7f000021 -i "$T/msg" -o "$T/s"
bad_input "delete without the delete right" 1 "denied by policy" se05x delete 0x7f000021

note "emulator killed during commands: clear error, bounded time"
# Signs take 300 ms in this emulator (T=1 latency model), so the kill lands
# in the middle of one with high probability.
sim_start victim --timing Sign=300
VP="t1:127.0.0.1:$SIM_PORT"; VPID=$SIM_PID; JP="127.0.0.1:$SIM_PORT"
se05x --port "$VP" generate ec 0x7f000001 >/dev/null
(
  while se05x --port "$VP" sign 0x7f000001 -i "$T/msg" -o "$T/loop.sig" 2>"$T/loop.err"; do :; done
) &
loop=$!
( se05x --port "$JP" random 1048576 -o "$T/rnd" 2>"$T/rnd.err"; echo $? >"$T/rnd.rc" ) &
rnd=$!
sleep 0.5
kill -9 "$VPID"
for p in $loop $rnd; do
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && fail "a command hung after the emulator died"
  wait "$p" || true
done
# The loop's last command either lost the link mid-command or reached the
# port after the kill (connection refused): both messages name the
# connection as given, t1:HOST:PORT, not only the socket's HOST:PORT.
[ "$(wc -l <"$T/loop.err")" -eq 1 ] || { cat "$T/loop.err" >&2; fail "sign loop: expected one error line"; }
err=$(cat "$T/loop.err")
assert_contains "$err" "$VP" "sign loop error"
case "$err" in *"link to the chip failed"* | *"cannot connect"*) ;; *) fail "unclear error: $err" ;; esac
# The second case made deterministic: the emulator is dead now.
for tool in "se05x --port $VP sign 0x7f000001 -i $T/msg -o $T/late.sig" "seTool getPublic 0x7f000001 $T/late.pem $VP" \
  "ssscli --port $VP sign 0x7f000001 $T/msg $T/late.sig"; do
  expect_fail "connect after the kill" $tool
  assert_contains "$LAST_ERR" "cannot connect to $VP (port from --port): Connection refused" "connect after the kill ($tool)"
done
[ ! -e "$T/late.sig" ] && [ ! -e "$T/late.pem" ] || fail "a failed connect left a file"
# The long read either finished before the kill (whole output) or failed
# with a clear line and no partial file.
if [ "$(cat "$T/rnd.rc")" -eq 0 ]; then
  [ "$(stat -c %s "$T/rnd")" -eq 1048576 ] || fail "random: short output"
else
  assert_contains "$(cat "$T/rnd.err")" "$JP" "random error"
  [ ! -e "$T/rnd" ] || fail "random left a partial output file"
fi
note ok
