# SPDX-License-Identifier: Apache-2.0
"""MQTT over mutual TLS with the client key on the SE05x, through aws-c-io's
PKCS#11 support (python3-awscrt: the library under Greengrass V2's MQTT and the
AWS IoT Device SDK v2).
usage: awscrt_mqtt.py MODULE CERT CA PORT KEY_LABEL"""
import sys
import threading

from awscrt import io, mqtt

module, cert, ca, port, label = sys.argv[1:6]
lib = io.Pkcs11Lib(file=module, behavior=io.Pkcs11Lib.InitializeFinalizeBehavior.STRICT)
opts = io.TlsContextOptions.create_client_with_mtls_pkcs11(
    pkcs11_lib=lib, user_pin="1234", token_label="SSS_PKCS11",
    private_key_label=label, cert_file_path=cert)
opts.override_default_trust_store_from_path(None, ca)
opts.min_tls_ver = io.TlsVersion.TLSv1_2
ctx = io.ClientTlsContext(opts)
elg = io.EventLoopGroup(1)
bootstrap = io.ClientBootstrap(elg, io.DefaultHostResolver(elg))
conn = mqtt.Connection(client=mqtt.Client(bootstrap, ctx), host_name="localhost", port=int(port),
                       client_id="se05x-" + label.replace(":", "-"), clean_session=True,
                       keep_alive_secs=30)
conn.connect().result(20)
got = threading.Event()
payload = ("hello from " + label).encode()
received = []


def on_message(topic, payload, **kwargs):
    received.append((topic, payload))
    got.set()


topic = "se05x/" + label.replace(":", "_")
sub, _ = conn.subscribe(topic, mqtt.QoS.AT_LEAST_ONCE, callback=on_message)
sub.result(20)
pub, _ = conn.publish(topic, payload, mqtt.QoS.AT_LEAST_ONCE)
pub.result(20)
if not got.wait(20):
    sys.exit("no message received")
conn.disconnect().result(20)
if received[0] != (topic, payload):
    sys.exit("wrong message: %r" % (received[0],))
print("OK mqtt round trip with", label)
