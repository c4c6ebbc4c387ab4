#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Platform SCP03 on the wire, through a man in the middle (scp_proxy.py)
# between the clients and se05x-sim --variant F:
#  (a) the recorded wire: after SELECT and INITIALIZE UPDATE every command is
#      wrapped (CLA 84 with a C-MAC) and neither the key id nor the digest
#      travels in clear; session open = SELECT + 2 APDUs, 1 APDU per signature;
#  (b) one flipped bit in a response: the host refuses it with the integrity
#      message (se05x, the provider, the engine) and returns no signature;
#  (c) an earlier response replayed: refused the same way.
# Plus sharing: two processes alternating on one T=1 bus re-authenticate.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/scp03/common.sh"

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf" SE05X_LOCK_DIR="$T"
export EX_SSS_BOOT_SCP03_PATH="$T/keys.txt"
export OPENSSL_CONF=/dev/null OPENSSL_MODULES="$SE05X_LIBDIR" OPENSSL_ENGINES="$SE05X_LIBDIR"
echo "wire test" >"$T/msg"
DIGEST=$(openssl dgst -sha256 -binary "$T/msg" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
t se05x generate ec 0x7f0000a1 >/dev/null || fail "generate"
t se05x public 0x7f0000a1 -o "$T/pub.pem" >/dev/null || fail "public"

note "(a) recorded wire: wrapped, no key id or digest in clear"
proxy_start record
t se05x -p "$PROXY" sign 0x7f0000a1 -i "$T/msg" -o "$T/sig" >/dev/null || fail "sign through the proxy"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null || fail "signature"
t openssl pkeyutl -provider se05x -provider default -sign -rawin -digest sha256 \
  -inkey "se05x:7f0000a1?conn=$(echo "$PROXY" | sed 's/:/%3A/')" -in "$T/msg" -out "$T/psig" 2>"$T/p.err" ||
  { cat "$T/p.err"; fail "provider sign through the proxy"; }
python3 "$SE05X_SRC/tests/scp03/check_wire.py" "$PROXY_LOG" 7F0000A1 "$DIGEST" || fail "wire check"
# the SELECT + handshake, then one APDU per command: the first connection
# opens with exactly SELECT, 80 50, 84 82
first=$(awk '$1 == 1 && $2 == "C" { print substr($3, 1, 4) }' "$PROXY_LOG" | head -3 | tr '\n' ' ')
[ "$first" = "00A4 8050 8482 " ] || fail "session open is not SELECT + 2 APDUs: $first"
# the checker fails on a plain command: prove it on a forged log
printf '1 C 00A4040010A000000396545300000001030000000000\n1 C 8050000008%s\n1 C 848233001000\n1 C 8004002706417F0000A1\n' \
  0102030405060708 >"$T/forged.log"
if python3 "$SE05X_SRC/tests/scp03/check_wire.py" "$T/forged.log" 7F0000A1 >/dev/null; then
  fail "the wire checker accepts a plain command"
fi
kill "${_BG_PIDS[-1]}" 2>/dev/null || true

note "(b) a flipped bit in the signature response (R-ENC data of 80 bytes: only the R-MAC can tell)"
proxy_start flip 1 58
expect_fail "flipped bit (se05x)" t se05x -p "$PROXY" sign 0x7f0000a1 -i "$T/msg" -o "$T/sig2"
assert_contains "$LAST_ERR" "response failed its integrity check" "se05x flipped bit"
[ ! -e "$T/sig2" ] || fail "a signature was written from a tampered response"
grep -q FLIPPED "$PROXY_LOG" || fail "the proxy flipped nothing"
expect_fail "flipped bit (provider)" t openssl pkeyutl -provider se05x -provider default -sign -rawin \
  -digest sha256 -inkey "se05x:7f0000a1?conn=$(echo "$PROXY" | sed 's/:/%3A/')" -in "$T/msg" -out "$T/psig2"
[ ! -s "$T/psig2" ] || fail "provider returned a signature from a tampered response"
SE05X_LOG=error EX_SSS_BOOT_SSS_PORT="$PROXY" expect_fail "flipped bit (engine)" t openssl dgst -sha256 \
  -engine e4sss -keyform engine -sign 0x7f0000a1 -out "$T/esig2" "$T/msg"
assert_contains "$LAST_ERR" "response failed its integrity check" "engine flipped bit"
[ ! -s "$T/esig2" ] || fail "engine returned a signature from a tampered response"
kill "${_BG_PIDS[-1]}" 2>/dev/null || true

note "(c) an earlier response replayed"
proxy_start replay 2
# first wrapped command: the key lookup / sign; the second one gets the first's answer
expect_fail "replayed response" t se05x -p "$PROXY" sign 0x7f0000a1 -i "$T/msg" -o "$T/sig3"
assert_contains "$LAST_ERR" "response failed its integrity check" "replay"
grep -q REPLAYED "$PROXY_LOG" || fail "the proxy replayed nothing"
kill "${_BG_PIDS[-1]}" 2>/dev/null || true

note "sharing: two sessions alternating on one chip re-authenticate (T=1: bus-lock generation; JRCP: 6982)"
for conn in "t1:127.0.0.1:$SIM_PORT" "127.0.0.1:$SIM_PORT"; do
  t "$SE05X_BUILD/tests/scp03_share" "$conn" 7f0000a1 >"$T/share.out" 2>&1 ||
    { cat "$T/share.out"; fail "two sessions sharing the chip over $conn"; }
  grep -q "^reauth " "$T/share.out" || fail "no re-authentication over $conn: $(cat "$T/share.out")"
  note "$conn: $(tr '\n' ' ' <"$T/share.out")"
done
echo OK
