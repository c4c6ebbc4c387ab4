#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# aws-c-io (Debian python3-awscrt) create_client_with_mtls_pkcs11: PIN 1234,
# token label SSS_PKCS11, key label sss:20181001 (RSA) and sss:20181002 (EC);
# the certificate first from a file, then TAKEN FROM THE TOKEN by Greengrass
# V2's URI (pkcs11:object=sss:2018100x;type=cert); TLS 1.2 to a local
# mosquitto that requires client certificates; MQTT connect, subscribe,
# publish, receive.
. "$SE05X_HELPERS/lib.sh"
. "$SE05X_SRC/tests/pkcs11/common.sh"
/usr/bin/python3 -c 'import awscrt' 2>/dev/null || fail "python3-awscrt is not installed"
sim_start
p11_provision
cat "$T/rsa.crt" "$T/ec.crt" >"$T/clients.pem"
p11_mosquitto "$T/clients.pem"

p11_mqtt sss:20181001 "$T/rsa.crt"
p11_mqtt sss:20181002 "$T/ec.crt"
# Greengrass V2: certificateFilePath = pkcs11:...;type=cert (the chip holds it, stored by ssscli set cert)
p11_mqtt sss:20181001 "pkcs11:object=sss:20181001;type=cert"
assert_contains "$(cat "$T/py.out")" "certificate from the token" "RSA certificate from the token"
p11_mqtt sss:20181002 "pkcs11:object=sss:20181002;type=cert"
assert_contains "$(cat "$T/py.out")" "certificate from the token" "EC certificate from the token"
note "awscrt PKCS#11 MQTT over TLS 1.2 (certificate from file and from the token): ok"
