#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PKCS#11 + awscrt through se05xd: the chip on Platform SCP03 behind the
# daemon, provisioning (ssscli) and aws-c-io's create_client_with_mtls_pkcs11
# (python3-awscrt) keyless through the daemon; TLS 1.2 to a local mosquitto
# that requires client certificates; MQTT connect, subscribe, publish, receive
# with the RSA and the EC key (tests/pkcs11/awscrt_mqtt.py).
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
. "$SE05X_SRC/tests/daemon/common.sh"
PY=/usr/bin/python3
$PY -c 'import awscrt' 2>/dev/null || { echo "SKIP: python3-awscrt is not installed"; exit 77; }
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQ" ] || { echo "SKIP: mosquitto is not installed"; exit 77; }

scp_keys "$T/keys.txt"
sim_start simf --variant F --scp03-keys "$T/keys.txt"
unset EX_SSS_BOOT_SCP03_PATH
: >"$T/empty.conf"; export SE05X_CONF="$T/empty.conf"
export XDG_CONFIG_HOME="$T/config"
daemon_start --chip "127.0.0.1:$SIM_PORT" --scp03-keys "$T/keys.txt" --auth platform-scp03
p11_provision

openssl req -new -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=test-ca \
  -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=localhost \
  -keyout "$T/srv.key" -out "$T/srv.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/san.ext"
openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
  -extfile "$T/san.ext" -out "$T/srv.crt" 2>/dev/null
cat "$T/rsa.crt" "$T/ec.crt" >"$T/clients.pem"
port=$(free_port)
cat >"$T/mosquitto.conf" <<CONF
user root
persistence false
log_dest stderr
listener $port 127.0.0.1
allow_anonymous true
require_certificate true
tls_version tlsv1.2
cafile $T/clients.pem
certfile $T/srv.crt
keyfile $T/srv.key
CONF
[ "$(id -u)" = 0 ] || sed -i '/^user root$/d' "$T/mosquitto.conf"
"$MOSQ" -c "$T/mosquitto.conf" >"$T/mosq.log" 2>&1 &
_BG_PIDS+=("$!")
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

for label in sss:20181001 sss:20181002; do
  crt="$T/rsa.crt"; [ "$label" = sss:20181002 ] && crt="$T/ec.crt"
  foreign $PY "$SE05X_SRC/tests/pkcs11/awscrt_mqtt.py" "$MODULE" "$crt" "$T/ca.crt" "$port" "$label" \
    >"$T/py.out" 2>&1 || { cat "$T/py.out" "$T/mosq.log" >&2; fail "awscrt MQTT with $label"; }
  grep -q "OK mqtt round trip with $label" "$T/py.out" || fail "no round trip for $label"
done
[ "$(status_field link)" = platform-scp03 ] || fail "daemon not on SCP03"
note "awscrt PKCS#11 MQTT over TLS 1.2 through se05xd: ok"
daemon_stop
echo OK
