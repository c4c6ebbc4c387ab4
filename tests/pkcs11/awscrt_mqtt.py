# SPDX-License-Identifier: Apache-2.0
"""MQTT over mutual TLS with the client key on the SE05x, through aws-c-io's
PKCS#11 support (python3-awscrt: the library under Greengrass V2's MQTT and the
AWS IoT Device SDK v2).
usage: awscrt_mqtt.py MODULE CERT CA PORT KEY_LABEL [PIN]
CERT is a file, or a pkcs11: URI (Greengrass V2's certificateFilePath form,
e.g. pkcs11:object=sss:20181001;type=cert): the certificate is then read from
the token (OpenSC pkcs11-tool on the same module, by the URI's object label)
and handed to aws-c-io as contents, as the Greengrass V2 nucleus does with the
certificate it reads through PKCS#11 - no certificate file is involved."""
import ssl
import subprocess
import sys
import threading
from urllib.parse import unquote

from awscrt import io, mqtt

module, cert, ca, port, label = sys.argv[1:6]
pin = sys.argv[6] if len(sys.argv) > 6 else "1234"
lib = io.Pkcs11Lib(file=module, behavior=io.Pkcs11Lib.InitializeFinalizeBehavior.STRICT)
if cert.startswith("pkcs11:"):
    attrs = dict(unquote(a).split("=", 1) for a in cert[len("pkcs11:"):].split(";") if "=" in a)
    if attrs.get("type") != "cert" or "object" not in attrs:
        sys.exit("certificate URI needs object= and type=cert: " + cert)
    der = subprocess.run(["pkcs11-tool", "--module", module, "--read-object", "--type", "cert",
                          "--label", attrs["object"], "-o", "/dev/stdout"], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    if not der.startswith(b"\x30"):
        sys.exit("no certificate on the token for " + cert)
    print("certificate from the token:", cert)
    cert_args = {"cert_file_contents": ssl.DER_cert_to_PEM_cert(der).encode()}
else:
    cert_args = {"cert_file_path": cert}
opts = io.TlsContextOptions.create_client_with_mtls_pkcs11(
    pkcs11_lib=lib, user_pin=pin, token_label="SSS_PKCS11",
    private_key_label=label, **cert_args)
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
