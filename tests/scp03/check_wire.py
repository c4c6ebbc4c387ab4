#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks a wire log of scp_proxy.py: on every connection, after the applet
SELECT and INITIALIZE UPDATE + EXTERNAL AUTHENTICATE, every C-APDU is wrapped
(CLA 84 and room for the 8-byte C-MAC), and none of the given hex strings
(key ids, digests) appears in any C-APDU or R-APDU. Exit 0 when all holds;
prints what it checked.
Usage: check_wire.py LOG [NEEDLE_HEX...]
"""
import sys


def main():
    path, needles = sys.argv[1], [n.upper() for n in sys.argv[2:]]
    conns = {}
    for line in open(path, encoding="ascii"):
        parts = line.split()
        if len(parts) != 3:
            continue
        conns.setdefault(parts[0], []).append((parts[1], parts[2]))
    bad, wrapped, handshakes = [], 0, 0
    for cid, ex in conns.items():
        state = "plain"  # plain -> iu (INITIALIZE UPDATE sent) -> scp (EXTERNAL AUTHENTICATE sent)
        for kind, h in ex:
            for n in needles:
                if n in h:
                    bad.append("conn %s: %s carries %s in clear: %s" % (cid, kind, n, h))
            if kind != "C":
                continue
            apdu = bytes.fromhex(h)
            if apdu[0] == 0x00 and apdu[1] == 0xA4:
                state = "plain"  # SELECT: a new channel must follow
                continue
            if apdu[0] == 0x80 and apdu[1] == 0x50:
                state = "iu"
                continue
            if apdu[0] == 0x84 and apdu[1] == 0x82:
                if state != "iu":
                    bad.append("conn %s: EXTERNAL AUTHENTICATE without INITIALIZE UPDATE" % cid)
                state = "scp"
                handshakes += 1
                continue
            if state != "scp":
                bad.append("conn %s: command outside an SCP03 channel: %s" % (cid, h))
            elif apdu[0] != 0x84 or len(apdu) < 5 + 8:
                bad.append("conn %s: command not wrapped: %s" % (cid, h))
            else:
                wrapped += 1
    print("connections %d, handshakes %d, wrapped commands %d" % (len(conns), handshakes, wrapped))
    for b in bad:
        print("BAD:", b)
    if not handshakes or not wrapped:
        print("BAD: no SCP03 traffic recorded")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
