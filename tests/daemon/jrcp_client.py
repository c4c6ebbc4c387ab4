#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A raw JRCP v1 client for the se05xd tests (docs/protocol/transports.md §1):
# the things a well-behaved library never does - dying inside a LOCK,
# stalling, malformed frames, partial frames, flooding, using another client's
# applet session.
# Usage: jrcp_client.py MODE SOCKET [ARGS]
import os
import socket
import struct
import sys
import time

APDU, LOCK, UNLOCK, WAIT, CLOSE, STATUS = 0x01, 0x30, 0x31, 0x00, 0x03, 0x02


def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("closed by the daemon")
        b += c
    return b


def msg(s, mty, payload=b""):
    s.sendall(struct.pack(">BBH", mty, 0, len(payload)) + payload)
    h = recv_exact(s, 4)
    if h[0] != mty:
        raise ValueError("reply type %02X to %02X" % (h[0], mty))
    return recv_exact(s, struct.unpack(">H", h[2:4])[0])


def apdu(s, hexstr):
    return msg(s, APDU, bytes.fromhex(hexstr.replace(" ", "")))


def sw(r):
    return "%02X%02X" % (r[-2], r[-1])


SELECT = "00A4040010A0000003965453000000010300000000"


def open_(path):
    s = conn(path)
    msg(s, WAIT, bytes.fromhex("00000100"))
    r = apdu(s, SELECT)
    assert sw(r) == "9000", sw(r)
    return s


def write_binary_first_chunk(oid):
    # WriteBinary 80 01 06 00 | 41 04 id | 43 02 total(1000) | 44 82 01 F4 <500 bytes>
    data = bytes(range(256)) * 2
    body = bytes.fromhex("4104" + oid) + bytes.fromhex("430203E8") + b"\x44\x82\x01\xf4" + data[:500]
    return "8001060000%04X" % len(body) + body.hex() if len(body) > 255 else "80010600%02X" % len(body) + body.hex()


def mode_import_die(path, oid):
    s = open_(path)
    msg(s, LOCK)
    r = apdu(s, write_binary_first_chunk(oid))
    print("first chunk", sw(r), flush=True)
    os._exit(0)  # dies inside the LOCK: no second chunk, no UNLOCK, no CLOSE


def mode_stall(path, oid):
    s = open_(path)
    msg(s, LOCK)
    r = apdu(s, write_binary_first_chunk(oid))
    print("locked", sw(r), flush=True)
    try:
        s.settimeout(120)
        d = s.recv(1)  # the daemon cuts us off: EOF
        print("cut off" if not d else "unexpected data", flush=True)
    except OSError as e:
        print("cut off (%s)" % e, flush=True)


def mode_malformed(path):
    cases = [
        ("JRCP v2 frame", bytes.fromhex("A5010000000000")),
        ("length over the limit", bytes.fromhex("0100FFFF") + b"\x80" * 100),
        ("unknown message type", bytes.fromhex("7700000180")),
        ("NAD not 00", bytes.fromhex("0105000480040020")),
        ("torn header", bytes.fromhex("0100")),
        ("torn message", bytes.fromhex("01000010800400")),
    ]
    for name, raw in cases:
        s = conn(path)
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        try:
            d = s.recv(100)
        except OSError:
            d = b""
        s.close()
        if d:
            print("%s: got an answer %s" % (name, d.hex()))
            sys.exit(1)
        print("%s: dropped" % name, flush=True)
    # a well-formed message with a too-short APDU: answered 6700, connection kept
    s = open_(path)
    r = msg(s, APDU, b"\x80\x04")
    assert sw(r) == "6700", sw(r)
    r = apdu(s, "8004002000")
    assert sw(r) == "9000", sw(r)
    print("short APDU: 6700, connection kept", flush=True)
    msg_close(s)


def mode_partial(path):
    # a client that sent part of a message (header, then half the APDU) and
    # waits: the others are served meanwhile; the rest completes it, and a
    # message plus the start of the next in one write are both answered
    a = open_(path)
    one = struct.pack(">BBH", APDU, 0, 5) + bytes.fromhex("8004002000")
    for cut in (2, 4, 6):
        a.sendall(one[:cut])
        b = open_(path)
        for _ in range(3):
            r = apdu(b, "8004002000")
            assert sw(r) == "9000", sw(r)
        msg_close(b)
        a.sendall(one[cut:])
        h = recv_exact(a, 4)
        r = recv_exact(a, struct.unpack(">H", h[2:4])[0])
        assert h[0] == APDU and sw(r) == "9000", (h.hex(), r.hex())
    a.sendall(one + one[:3])
    for i in range(2):
        if i:
            a.sendall(one[3:])
        h = recv_exact(a, 4)
        r = recv_exact(a, struct.unpack(">H", h[2:4])[0])
        assert h[0] == APDU and sw(r) == "9000", (h.hex(), r.hex())
    msg_close(a)
    print("partial messages: others served meanwhile, each completed message answered", flush=True)


def msg_close(s):
    s.sendall(bytes([CLOSE, 0, 0, 0]))
    s.close()


def mode_flood(path, n):
    # pipelined: keeps writing APDUs and reads the answers only now and then
    s = open_(path)
    one = struct.pack(">BBH", APDU, 0, 5) + bytes.fromhex("8004002000")
    s.setblocking(True)
    sent = 0
    import threading

    got = [0]

    def reader():
        try:
            while True:
                h = recv_exact(s, 4)
                recv_exact(s, struct.unpack(">H", h[2:4])[0])
                got[0] += 1
        except Exception:
            pass

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    print("flooding", flush=True)
    while sent < n:
        s.sendall(one * 100)
        sent += 100
    while got[0] < sent and th.is_alive():
        time.sleep(0.01)
    print("flood answered %d of %d" % (got[0], sent), flush=True)


def mode_session_steal(path, uid_obj):
    a = open_(path)
    # WriteUserID 80 41 07 00 | 41 04 id | 42 08 value (may exist already)
    value = "3132333435363738"
    apdu(a, "80410700" + "%02X" % (6 + 10) + "4104" + uid_obj + "4208" + value)
    r = apdu(a, "8004001B064104" + uid_obj)
    assert sw(r) == "9000", "CreateSession " + sw(r)
    sid = r[2:10].hex() if r[1] == 8 else r[4:12].hex()
    inner = "8004002C0A4108" + value
    wrapped = "10 08" + sid + "41%02X" % (len(inner) // 2) + inner
    wrapped = wrapped.replace(" ", "")
    r = apdu(a, "80050000%02X" % (len(wrapped) // 2) + wrapped)
    print("owner VerifySessionUserID", sw(r), flush=True)
    inner = "8004002000"
    w2 = "1008" + sid + "41%02X" % (len(inner) // 2) + inner
    r = apdu(a, "80050000%02X" % (len(w2) // 2) + w2)
    print("owner GetVersion in session", sw(r), flush=True)
    b = open_(path)
    r = apdu(b, "80050000%02X" % (len(w2) // 2) + w2)
    print("other client in that session", sw(r), flush=True)
    msg_close(b)
    msg_close(a)


def mode_nxp(path):
    # what the NXP host library (PTMW_SMCOM=JRCP_V1) does: WAIT_FOR_CARD with
    # 256 ms, a card-manager SELECT, the applet SELECT, commands, CLOSE
    s = conn(path)
    atr = msg(s, WAIT, bytes.fromhex("00000100"))
    print("ATR %d bytes" % len(atr), flush=True)
    r = apdu(s, "00A4040000")
    print("card manager SELECT answered", sw(r), flush=True)
    r = apdu(s, SELECT)
    print("applet SELECT", sw(r), "%d data bytes" % (len(r) - 2), flush=True)
    r = apdu(s, "8004002000")
    print("GetVersion", sw(r), flush=True)
    msg_close(s)


def mode_status(path):
    s = conn(path)
    print(msg(s, STATUS).decode(), end="")
    msg_close(s)


if __name__ == "__main__":
    m, p = sys.argv[1], sys.argv[2]
    if m == "import-die":
        mode_import_die(p, sys.argv[3])
    elif m == "stall":
        mode_stall(p, sys.argv[3])
    elif m == "malformed":
        mode_malformed(p)
    elif m == "flood":
        mode_flood(p, int(sys.argv[3]))
    elif m == "session-steal":
        mode_session_steal(p, sys.argv[3])
    elif m == "nxp":
        mode_nxp(p)
    elif m == "status":
        mode_status(p)
    elif m == "partial":
        mode_partial(p)
    else:
        sys.exit(2)
