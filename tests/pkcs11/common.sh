# SPDX-License-Identifier: Apache-2.0
# Shared by the PKCS#11 tests: sourced after $SE05X_HELPERS/lib.sh.
MODULE="$SE05X_LIBDIR/libsss_pkcs11.so"
P11_CHECK="$SE05X_BUILD/tests/p11_check"
[ -f "$MODULE" ] || fail "module not built: $MODULE"
# ssscli state stays inside the test
export XDG_CONFIG_HOME="$T/config"

# p11_provision: RSA-2048 pair 0x20181001 and P-256 pair 0x20181002 imported
# with ssscli (as in the Greengrass blog), self-signed certificates for both
# stored as binary objects 0x20181003 / 0x20181004. Leaves in $T:
# rsa.pem ec.pem (private, for checks), rsa.pub.pem ec.pub.pem, rsa.crt ec.crt (PEM).
# On a chip without RSA (SE05X_TEST_VARIANT=E) the RSA import must be refused
# naming the chip, and 0x20181001 (and rsa.*) is a second P-256 key instead.
p11_provision() {
  if test_variant_has_rsa; then
    openssl genrsa -out "$T/rsa.pem" 2048 2>/dev/null
  else
    openssl ecparam -name prime256v1 -genkey -noout -out "$T/rsa.pem"
  fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.pem"
  openssl pkey -in "$T/rsa.pem" -pubout -out "$T/rsa.pub.pem"
  openssl pkey -in "$T/ec.pem" -pubout -out "$T/ec.pub.pem"
  openssl req -new -x509 -key "$T/rsa.pem" -subj "/CN=se05x-rsa-device" -days 30 -out "$T/rsa.crt" 2>/dev/null
  openssl req -new -x509 -key "$T/ec.pem" -subj "/CN=se05x-ec-device" -days 30 -out "$T/ec.crt" 2>/dev/null
  ssscli se05x reset >/dev/null
  if test_variant_has_rsa; then
    ssscli set rsa pair 0x20181001 "$T/rsa.pem" || fail "ssscli set rsa pair"
  else
    openssl genrsa -out "$T/real-rsa.pem" 2048 2>/dev/null
    ssscli set rsa pair 0x20181001 "$T/real-rsa.pem" 2>"$T/rsa.err" && fail "RSA import accepted by an SE050E"
    grep -q "SE050E has no RSA" "$T/rsa.err" || { cat "$T/rsa.err" >&2; fail "RSA refusal does not name the chip"; }
    ssscli set ecc pair 0x20181001 "$T/rsa.pem" || fail "ssscli set ecc pair 0x20181001"
  fi
  ssscli set ecc pair 0x20181002 "$T/ec.pem" || fail "ssscli set ecc pair"
  ssscli set cert 0x20181003 "$T/rsa.crt" || fail "ssscli set cert rsa"
  ssscli set cert 0x20181004 "$T/ec.crt" || fail "ssscli set cert ec"
}

# foreign cmd...: like with_asan_preload, but detect_leaks=0 is placed LAST so
# that an inherited ASAN_OPTIONS=detect_leaks=1 (scripts/run) cannot re-enable
# leak checking in programs we did not build (pkcs11-tool, p11test, python
# leak on their own). Bounded: a hung foreign program fails the test quickly.
foreign() {
  if [ "${SE05X_SANITIZE:-0}" = 1 ]; then
    LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)${LD_PRELOAD:+:$LD_PRELOAD}" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" timeout 120 "$@"
  elif [ "${SE05X_TSAN:-0}" = 1 ]; then
    LD_PRELOAD="$(gcc -print-file-name=libtsan.so)${LD_PRELOAD:+:$LD_PRELOAD}" timeout 120 "$@"
  else
    timeout 120 "$@"
  fi
}

# p11_test_ca: a P-256 test CA in $T/ca.key, $T/ca.crt (idempotent).
p11_test_ca() {
  [ -s "$T/ca.crt" ] && return 0
  openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=test-ca \
    -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 2>/dev/null || fail "test CA"
}

# p11_issue PUBKEY CN OUT: a certificate for a public key whose private half
# never leaves the chip, issued by the test CA (a throw-away key signs the
# request; -force_pubkey puts the chip's key into the certificate).
p11_issue() {
  p11_test_ca
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=$2" \
    -keyout "$T/throwaway.key" -out "$T/throwaway.csr" 2>/dev/null || fail "request for $2"
  openssl x509 -req -in "$T/throwaway.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -force_pubkey "$1" -out "$3" 2>/dev/null || fail "certificate for $2"
}

# p11_mosquitto CLIENT_CAFILE: mosquitto on a free port ($MQTT_PORT), TLS 1.2,
# client certificates required and checked against CLIENT_CAFILE; server
# certificate (localhost) from the test CA.
p11_mosquitto() {
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || fail "mosquitto is not installed"
  local mosq
  mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  p11_test_ca
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=localhost \
    -keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/san.ext"
  openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
    -extfile "$T/san.ext" -out "$T/srv.crt" 2>/dev/null
  MQTT_PORT=$(free_port)
  cat >"$T/mosquitto.conf" <<CONF
user root
persistence false
log_dest stderr
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
require_certificate true
tls_version tlsv1.2
cafile $1
certfile $T/srv.crt
keyfile $T/srv.key
CONF
  [ "$(id -u)" = 0 ] || sed -i '/^user root$/d' "$T/mosquitto.conf"
  "$mosq" -c "$T/mosquitto.conf" >"$T/mosq.log" 2>&1 &
  _BG_PIDS+=("$!")
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null && return 0
    sleep 0.05
  done
  cat "$T/mosq.log" >&2
  fail "mosquitto did not start"
}

# p11_mqtt LABEL CERT [PIN]: awscrt_mqtt.py round trip with the key LABEL;
# CERT is a file or a pkcs11: URI (certificate taken from the token).
p11_mqtt() {
  foreign /usr/bin/python3 "$SE05X_SRC/tests/pkcs11/awscrt_mqtt.py" "$MODULE" "$2" "$T/ca.crt" "$MQTT_PORT" \
    "$1" "${3:-1234}" >"$T/py.out" 2>&1 || { cat "$T/py.out" "$T/mosq.log" >&2; fail "awscrt MQTT with $1 ($2)"; }
  cat "$T/py.out"
  grep -q "OK mqtt round trip with $1" "$T/py.out" || fail "no round trip for $1"
}
