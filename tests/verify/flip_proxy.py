#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A man in the middle on a JRCP v1 link (docs/protocol/transports.md §1:
MTY NAD LEN_HI LEN_LO payload), for the verify-after-sign tests.

Relays every connection to the emulator and flips the lowest bit of the last
data byte of each successful answer to a signing command: ECDSASign and
RSASign (80 03 0C 09) and RSADecrypt (80 03 02 38, which also makes the RSA
signatures of digests). For ECDSA that byte lies inside s, so the DER
structure stays valid and only a signature check can notice. Everything else
passes untouched. --count-file holds the number of answers changed so far.
"""
import argparse
import socket
import threading

SIGNING = {(0x03, 0x0C, 0x09), (0x03, 0x02, 0x38)}


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def read_msg(s):
    h = recv_exact(s, 4)
    return h + recv_exact(s, h[2] << 8 | h[3])


class Proxy:
    def __init__(self, upstream, count_file):
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.count_file = count_file
        self.count = 0
        self.lock = threading.Lock()

    def flipped(self):
        with self.lock:
            self.count += 1
            if self.count_file:
                with open(self.count_file, "w") as f:
                    f.write(f"{self.count}\n")

    def serve(self, c):
        u = socket.create_connection(self.upstream)
        last = [None]

        def up():
            try:
                while True:
                    m = read_msg(c)
                    if m[0] == 0x01 and len(m) >= 8:  # APDU_DATA: remember INS P1 P2
                        last[0] = (m[5] & 0x1F, m[6], m[7])
                    u.sendall(m)
            except (EOFError, OSError):
                pass
            for s in (u, c):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=up, daemon=True).start()
        try:
            while True:
                m = bytearray(read_msg(u))
                if (m[0] == 0x01 and last[0] in SIGNING and len(m) > 4 + 2 + 1
                        and m[-2:] == b"\x90\x00"):
                    m[-3] ^= 0x01
                    self.flipped()
                c.sendall(bytes(m))
        except (EOFError, OSError):
            pass
        for s in (u, c):
            try:
                s.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the emulator")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--count-file")
    a = ap.parse_args()
    p = Proxy(a.upstream, a.count_file)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(f"{ls.getsockname()[1]}\n")
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=p.serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
