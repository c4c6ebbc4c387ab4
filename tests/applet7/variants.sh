#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Applet 7.x chips (docs/emulator.md "Variants", docs/lib.md "Chip generations"):
# se05x info per variant, RSA refused on the SE050E and working on the SE051,
# the SE050E's default SCP03 keys, APDU counts of a large write per generation,
# and the emulator's state directory kept to one generation.
. "$SE05X_HELPERS/lib.sh"
echo "applet 7 message" >"$T/msg"

note "SE050E: generation, variant and features from the SELECT answer"
sim_start sime --variant E --stats "$T/e.stats"
se05x info >"$T/info" 2>/dev/null
grep -q '^applet version: *7\.2\.0$' "$T/info" || fail "applet version: $(cat "$T/info")"
grep -q '^applet generation: *7\.x$' "$T/info" || fail "generation"
grep -q '^chip variant: *SE050E$' "$T/info" || fail "variant"
grep -q '^APDU payload limit: *1024 bytes$' "$T/info" || fail "payload limit"
grep -q 'ECC yes, RSA no' "$T/info" || fail "features"
grep -q '53453035304520372e32$' "$T/info" || fail "ATR historical bytes 'SE050E 7.2'"

note "SE050E: EC flows work, RSA refused naming the chip, nothing created"
se05x generate ec 0x7f000001 >/dev/null
se05x sign 0x7f000001 -i "$T/msg" -o "$T/ec.sig"
se05x public 0x7f000001 -o "$T/ec.pub"
openssl dgst -sha256 -verify "$T/ec.pub" -signature "$T/ec.sig" "$T/msg" >/dev/null || fail "EC signature"
expect_fail "RSA on SE050E" se05x generate rsa 0x7f000002
assert_contains "$LAST_ERR" "SE050E has no RSA, use an EC key" "RSA refusal"
se05x exists 0x7f000002 >/dev/null && fail "refused RSA key was created"
se05x list | grep -q '0x7F000001  EC key pair .* P-256' || fail "7.x type code not decoded by list"

note "SE050E: Platform SCP03 with the default keys of OEF A921"
cat >"$T/a921.txt" <<KEYS
ENC D2DB63E7A0A5AED72A6460C4DFDCAF64
MAC 738D5B798ED241B0B24768514BFBA95B
DEK 6702DAC30942B2C85E7F47B42CED4E7F
KEYS
chmod 600 "$T/a921.txt"
EX_SSS_BOOT_SCP03_PATH="$T/a921.txt" SE05X_AUTH=platform-scp03 se05x info >"$T/scp.info" 2>/dev/null \
  || fail "SCP03 with the A921 keys"
grep -q '^link: *platform-scp03$' "$T/scp.info" || fail "link not protected"
EX_SSS_BOOT_SCP03_PATH="$T/a921.txt" SE05X_AUTH=platform-scp03 se05x sign 0x7f000001 -i "$T/msg" -o "$T/scp.sig"
openssl dgst -sha256 -verify "$T/ec.pub" -signature "$T/scp.sig" "$T/msg" >/dev/null || fail "signature over SCP03"

note "large write: fewer APDUs on 7.x (1024-byte payload) than on 3.x"
head -c 6000 /dev/urandom >"$T/blob"
sim_start simc --stats "$T/c.stats"
export EX_SSS_BOOT_SSS_PORT="127.0.0.1:$SIM_PORT"
se05x write 0x7f000010 "$T/blob" >/dev/null
se05x read 0x7f000010 -o "$T/blob.c"
cmp -s "$T/blob" "$T/blob.c" || fail "3.x read back"
sim_stop
apdus() { python3 -c 'import json,sys; print(sum(json.loads(l)["apdus"] for l in open(sys.argv[1])))' "$1"; }
c_total=$(apdus "$T/c.stats")
sim_start sime2 --variant E --stats "$T/e2.stats"
se05x write 0x7f000010 "$T/blob" >/dev/null
se05x read 0x7f000010 -o "$T/blob.e"
cmp -s "$T/blob" "$T/blob.e" || fail "7.x read back"
sim_stop
e_total=$(apdus "$T/e2.stats")
note "6000-byte write + read: $c_total APDUs on 3.x, $e_total on 7.x"
[ "$e_total" -lt "$c_total" ] || fail "7.x needs $e_total APDUs, 3.x $c_total"

note "SE051: applet 7.2 with RSA"
sim_start sims --variant SE051
se05x info >"$T/info51" 2>/dev/null
grep -q '^chip variant: *SE051$' "$T/info51" || fail "SE051 variant"
grep -q 'RSA yes' "$T/info51" || fail "SE051 features"
se05x generate rsa 0x7f000002 >/dev/null
se05x sign 0x7f000002 -i "$T/msg" -o "$T/rsa.sig"
se05x public 0x7f000002 -o "$T/rsa.pub"
openssl dgst -sha256 -verify "$T/rsa.pub" -signature "$T/rsa.sig" "$T/msg" >/dev/null || fail "RSA signature on SE051"
se05x list | grep -q '0x7F000002  RSA' || fail "RSA key listed"
se05x refkey 0x7f000002 -o "$T/rsa.ref" >/dev/null
sim_stop

note "an RSA reference key used against an SE050E: provider and engine name the chip"
sim_start sime3 --variant E
if OPENSSL_MODULES="$SE05X_LIBDIR" with_asan_preload openssl pkeyutl -sign -provider se05x -provider default \
  -inkey "$T/rsa.ref" -in "$T/msg" -rawin -digest sha256 -out "$T/x.sig" 2>"$T/prov.err"; then
  fail "provider signed with RSA on an SE050E"
fi
grep -q "SE050E has no RSA, use an EC key" "$T/prov.err" || { cat "$T/prov.err" >&2; fail "provider refusal"; }
if OPENSSL_CONF=/dev/null OPENSSL_ENGINES="$SE05X_LIBDIR" with_asan_preload openssl req -new -x509 -subj "/CN=x" -engine e4sss \
  -key "$T/rsa.ref" -out "$T/x.crt" 2>"$T/eng.err"; then
  fail "engine signed with RSA on an SE050E"
fi
grep -q "SE050E has no RSA" "$T/eng.err" || { cat "$T/eng.err" >&2; fail "engine refusal"; }
sim_stop

note "the SE051's state directory is not reused by a 3.x variant"
if se05x-sim --state "$T/sims.state" --port 0 --variant C >"$T/reuse.log" 2>&1; then
  fail "3.x emulator started on a 7.x state directory"
fi
grep -q "holds an applet 7.x chip" "$T/reuse.log" || { cat "$T/reuse.log" >&2; fail "no clear refusal"; }
note ok
