#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A JRCP v1 man in the middle for the Platform SCP03 tests.

Sits between a client and se05x-sim, forwards every JRCP message and records
each APDU exchange ("<conn> C <hex>" / "<conn> R <hex>", one per line, flushed)
in --log. Modes:
  record  forward unchanged;
  flip    flip one bit (the first byte's lowest) of the answer to the --nth
          wrapped command (CLA 84, not EXTERNAL AUTHENTICATE) of each connection
          whose answer has at least --min-len bytes; with an answer of 3 or more
          cipher blocks the padding block stays intact, so only the R-MAC can
          tell;
  replay  answer the --nth wrapped command of each connection with the answer
          the chip gave to that connection's first wrapped command;
  drop    forward the first command with instruction byte --ins (hex) to the
          chip, then close the client's connection instead of answering (the
          chip ran it; the host sees the link drop);
  refuse  answer every command with instruction --ins with 6D00 ("INS not
          supported") without forwarding it (a chip without Platform SCP03).
Usage: scp_proxy.py --target HOST:PORT --port-file F --log F [--mode M] [--nth N] [--min-len L] [--ins XX]
"""
import argparse
import itertools
import socket
import sys
import threading

CONN_IDS = itertools.count(1)
LOG_LOCK = threading.Lock()


def read_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def read_msg(s):
    h = read_exact(s, 4)
    if h is None:
        return None
    body = read_exact(s, (h[2] << 8) | h[3])
    if body is None:
        return None
    return h, body


def log(f, cid, kind, data):
    with LOG_LOCK:
        f.write("%d %s %s\n" % (cid, kind, data.hex().upper()))
        f.flush()


def serve(client, args, logf):
    cid = next(CONN_IDS)
    up = socket.create_connection((args.host, args.tport))
    wrapped = 0
    big = 0
    first_answer = None
    try:
        while True:
            m = read_msg(client)
            if m is None:
                return
            h, body = m
            apdu = h[0] == 0x01 and len(body) >= 4  # APDU_DATA
            if apdu and args.mode == "refuse" and body[1] == args.ins:
                log(logf, cid, "C", body)
                log(logf, cid, "REFUSED", b"\x6d\x00")
                client.sendall(bytes([h[0], h[1], 0, 2]) + b"\x6d\x00")
                continue
            up.sendall(h + body)
            a = read_msg(up)
            if a is None:
                return
            ah, abody = a
            if apdu and args.mode == "drop" and body[1] == args.ins and \
                    not getattr(serve, "dropped", False):
                serve.dropped = True
                log(logf, cid, "C", body)
                log(logf, cid, "DROPPED", abody)
                return
            if apdu:
                log(logf, cid, "C", body)
                is_wrapped = body[0] == 0x84 and body[1] != 0x82
                if is_wrapped:
                    wrapped += 1
                    if first_answer is None and len(abody) > 2:
                        first_answer = abody
                    if len(abody) >= max(args.min_len, 3):
                        big += 1
                    if args.mode == "flip" and big >= args.nth and len(abody) >= max(args.min_len, 3) and \
                            not getattr(serve, "flipped_%d" % cid, False):
                        abody = bytes([abody[0] ^ 0x01]) + abody[1:]
                        setattr(serve, "flipped_%d" % cid, True)
                        log(logf, cid, "FLIPPED", abody)
                    elif args.mode == "replay" and wrapped == args.nth and first_answer is not None:
                        abody = first_answer
                        log(logf, cid, "REPLAYED", abody)
                log(logf, cid, "R", abody)
                ah = bytes([ah[0], ah[1], len(abody) >> 8, len(abody) & 0xFF])
            client.sendall(ah + abody)
    except OSError:
        return
    finally:
        client.close()
        up.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--target", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--mode", default="record", choices=["record", "flip", "replay", "drop", "refuse"])
    p.add_argument("--ins", type=lambda v: int(v, 16), default=0x50)
    p.add_argument("--nth", type=int, default=1)
    p.add_argument("--min-len", type=int, default=0)
    args = p.parse_args()
    args.host, port = args.target.rsplit(":", 1)
    args.tport = int(port)
    logf = open(args.log, "a", encoding="ascii")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    with open(args.port_file + ".tmp", "w", encoding="ascii") as f:
        f.write("%d\n" % srv.getsockname()[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c, args, logf), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
