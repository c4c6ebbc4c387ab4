#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Minimal Mender device-auth server for tests (HTTPS, Python stdlib + cryptography).

Implements POST /api/devices/v1/authentication/auth_requests the way the
Mender server does: the body is JSON with "pubkey" (PEM); X-MEN-Signature is
the base64 signature of the exact body bytes with that key (RSA PKCS#1 v1.5
SHA-256, ECDSA SHA-256 DER, Ed25519). A valid request gets 200 and a token;
a bad signature gets 401 {"error": "signature verification failed"}.
Any other request gets 200 "ok" (curl tests use that to present a client
certificate). Every request is logged as one JSON line (--log):
  {"method", "path", "pubkey", "signature_valid", "error",
   "client_cert_pubkey", "client_cert_matches_pubkey"}

CLI:
  --port N (0 = free port)  --port-file F   --cert/--key  server TLS pair
  --ca F   accept client certificates issued by F (self-signed: the cert itself)
  --require-client-cert     fail handshakes without a client certificate
  --log F  JSON lines       --tls13-only / --tls12-only
"""
import argparse
import base64
import json
import os

# This server plays the remote Mender server, not the device: it must never
# load the device's OpenSSL configuration (engine or provider sections) or
# module paths that a test exports for the client (python3-cryptography loads
# OpenSSL's "legacy" provider, which OPENSSL_MODULES=<build>/lib would hide).
# Dropped before ssl/cryptography initialise OpenSSL.
for _var in ("OPENSSL_CONF", "OPENSSL_MODULES", "OPENSSL_ENGINES"):
    os.environ.pop(_var, None)

import ssl  # noqa: E402
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

AUTH_PATH = "/api/devices/v1/authentication/auth_requests"
_log_lock = threading.Lock()


def pem_of(pub):
    return pub.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def verify(pub, sig, body):
    if isinstance(pub, rsa.RSAPublicKey):
        pub.verify(sig, body, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(sig, body, ec.ECDSA(hashes.SHA256()))
    elif isinstance(pub, ed25519.Ed25519PublicKey):
        pub.verify(sig, body)
    else:
        raise InvalidSignature("unsupported key type")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the JSON log says it all
        pass

    def client_cert_pem(self):
        try:
            der = self.connection.getpeercert(binary_form=True)
        except (AttributeError, ValueError):
            return None
        if not der:
            return None
        return pem_of(x509.load_der_x509_certificate(der).public_key())

    def record(self, rec):
        if self.server.log_path:
            with _log_lock, open(self.server.log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")

    def reply(self, code, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.record({"method": "GET", "path": self.path, "client_cert_pubkey": self.client_cert_pem()})
        self.reply(200, "ok\n", "text/plain")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        rec = {"method": "POST", "path": self.path, "pubkey": None, "signature_valid": False,
               "error": None, "client_cert_pubkey": self.client_cert_pem()}
        if self.path != AUTH_PATH:
            self.record(rec)
            self.reply(404, json.dumps({"error": "not found"}))
            return
        try:
            req = json.loads(body)
            pub_pem = req["pubkey"]
            rec["pubkey"] = pub_pem
            pub = serialization.load_pem_public_key(pub_pem.encode())
            rec["pubkey"] = pem_of(pub)
            sig = base64.b64decode(self.headers.get("X-MEN-Signature") or "", validate=True)
            verify(pub, sig, body)
            rec["signature_valid"] = True
        except InvalidSignature:
            rec["error"] = "signature verification failed"
        except (ValueError, KeyError, TypeError) as e:
            rec["error"] = "bad request: %s" % e
        if rec["client_cert_pubkey"] is not None and rec["pubkey"] is not None:
            rec["client_cert_matches_pubkey"] = rec["client_cert_pubkey"] == rec["pubkey"]
        self.record(rec)
        if rec["signature_valid"]:
            self.reply(200, "test-token-" + base64.urlsafe_b64encode(os.urandom(12)).decode(),
                       "application/jwt")
        else:
            self.reply(401, json.dumps({"error": rec["error"], "request_id": "test"}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca")
    ap.add_argument("--require-client-cert", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--tls12-only", action="store_true")
    ap.add_argument("--tls13-only", action="store_true")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.tls12_only:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if a.tls13_only:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if a.ca:
        ctx.load_verify_locations(a.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED if a.require_client_cert else ssl.CERT_OPTIONAL

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.log_path = a.log
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
