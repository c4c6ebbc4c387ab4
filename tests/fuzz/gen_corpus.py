#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora tests/fuzz/corpus/<target>/seed-* (README.md).
Each seed is a small valid input in the harness's framing. Re-running it
rewrites the seed-* files only (reproducers, repro-*, are kept)."""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


def a(s):
    """A short C-APDU from hex: Lc (byte 4) recomputed from the data."""
    b = h(s)
    if len(b) > 5:
        b = b[:4] + bytes([len(b) - 5]) + b[5:]
    return b


def chunk(b):
    """fz_chunk framing: one length byte, 0xFF = two more (big endian)."""
    if len(b) < 0xFF:
        return bytes([len(b)]) + b
    return b"\xff" + struct.pack(">H", len(b)) + b


SELECT = h("00A4040010A000000396545300000001030000000000")
VERSION = h("80 04 00 20 00")
GEN_P256 = a("80 01 61 00 09 41 04 7F 00 00 01 42 01 03")
SIGN_P256 = a("80 03 0C 09 00 41 04 7F 00 00 01 42 01 21 43 20" + bytes(range(32)).hex())
READ_PUB = a("80 02 00 00 06 41 04 7F 00 00 01")
WRITE_BIN = a("80 01 06 00 0F 41 04 7F 00 00 05 43 02 00 03 44 03 AA BB CC")
READ_BIN = a("80 02 00 00 06 41 04 7F 00 00 05")
WRITE_AES = a("80 01 03 00 18 41 04 7F 00 00 20 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF")
AES_ENC = a("80 03 0E 37 00 41 04 7F 00 00 20 42 01 0E 43 10" + bytes(16).hex())
WRITE_HMAC = a("80 01 05 00 0B 41 04 7F 00 00 22 43 03 00 11 22")
HMAC = a("80 03 0D 45 0E 41 04 7F 00 00 22 42 01 19 43 03 61 62 63")
HKDF = a("80 03 00 2D 13 41 04 7F 00 00 22 42 01 04 44 03 01 02 03 45 02 00 20")
PBKDF2 = a("80 03 00 2E 10 41 04 7F 00 00 22 42 02 AB CD 43 02 00 02 44 02 00 20")
DIGEST = a("80 03 00 0E 08 41 01 04 42 03 61 62 63")
CRYPTO_OBJ = a("80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04")
RANDOM = a("80 04 00 49 04 41 02 00 10")
IDLIST = a("80 02 00 25 0A 41 02 00 00 42 01 FF")
UID = a("80 02 00 00 06 41 04 7F FF 02 06")
MEMORY = a("80 04 00 22 03 41 01 01")
EXISTS = a("80 04 00 27 06 41 04 7F 00 00 01")
CERT = a("80 02 00 00 06 41 04 F0 00 00 13")
DELETE = a("80 04 00 28 06 41 04 7F 00 00 05")
USERID = h("80 41 07 00 10 12 02 00 02 41 04 7D A0 00 01 42 04 0A 0B 0C 0D")
SESSION = a("80 04 00 1B 06 41 04 7D A0 00 01")

APDU_SEEDS = {
    "version": [VERSION, h("80 CA 00 FE 02 DF 28 00")],
    "ec": [GEN_P256, READ_PUB, SIGN_P256, EXISTS],
    "binary": [WRITE_BIN, READ_BIN, IDLIST, DELETE, READ_BIN],
    "sym": [WRITE_AES, AES_ENC, WRITE_HMAC, HMAC, HKDF, PBKDF2, DIGEST],
    "misc": [RANDOM, UID, MEMORY, CERT, CRYPTO_OBJ],
    "session": [USERID, SESSION],
}


def w(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def crc16(b):  # T=1 CRC of UM11225 (CRC-16/X-25), low byte first
    crc = 0xFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


def block(nad, pcb, inf=b""):
    b = bytes([nad, pcb, len(inf)]) + inf
    return b + crc16(b)


def main():
    # (a) sim_apdu: flags (bit 0 SELECT) + chunks
    for k, apdus in APDU_SEEDS.items():
        w("sim_apdu", k, b"\x01" + b"".join(chunk(a) for a in apdus))
    w("sim_apdu", "select", b"\x00" + chunk(SELECT) + chunk(VERSION))
    w("sim_apdu", "resets", b"\x07" + chunk(GEN_P256) + chunk(READ_PUB))

    # (b) sim_jrcp: [client byte][JRCP message]...
    def jm(mty, p=b""):
        return bytes([mty, 0]) + struct.pack(">H", len(p)) + p
    w("sim_jrcp", "basic", b"\x00" + jm(0x00, h("00000100")) + b"\x00" + jm(0x01, SELECT)
      + b"\x00" + jm(0x01, VERSION) + b"\x00" + jm(0x7F))
    w("sim_jrcp", "lock", b"\x00" + jm(0x01, SELECT) + b"\x00" + jm(0x30) + b"\x80" + jm(0x01, VERSION)
      + b"\x00" + jm(0x01, EXISTS) + b"\x00" + jm(0x31) + b"\x80" + jm(0x01, VERSION) + b"\x00" + jm(0x03))

    # (c) sim_t1: [selector][block]...; selector 0 = block as is (CRC included)
    HOST, SE = 0x5A, 0xA5
    def i_blk(ns, inf, more=False):
        return block(HOST, (ns << 6) | (0x20 if more else 0), inf)
    t1 = [block(HOST, 0xC0), block(HOST, 0xC7), i_blk(0, SELECT), i_blk(1, VERSION)]
    w("sim_t1", "basic", b"".join(b"\x00" + b for b in t1))
    t1 = [block(HOST, 0xC0), block(HOST, 0xC1, b"\x20"), i_blk(0, SELECT[:10], True), i_blk(1, SELECT[10:]),
          block(HOST, 0x80), block(HOST, 0x90), i_blk(0, IDLIST), block(HOST, 0xC5), block(HOST, 0xC6),
          block(HOST, 0xCF), block(HOST, 0xC2), block(HOST, 0xE3, b"\x01")]
    w("sim_t1", "chain", b"".join(b"\x00" + b for b in t1))
    w("sim_t1", "fixcrc", b"\x03" + bytes([HOST, 0x00, len(SELECT)]) + SELECT + b"\x00\x00")

    # (d) sim_state: body of a version 2 state file (harness adds header and SHA-256)
    def obj(oid, typ, parts, policy=b"", flags=0, curve=0, bits=0, reserve=0, origin=1):
        b = struct.pack(">IBBBBHHIH", oid, typ, origin, flags, curve, bits, 0, reserve, len(policy)) + policy
        for k in range(8):
            p = parts[k] if k < len(parts) else b""
            b += struct.pack(">I", len(p)) + p
        return b
    def body(objs, locked=0):
        curves = bytes(17)
        return struct.pack(">Q", 1700000000) + bytes([locked]) + curves + curves + struct.pack(">I", len(objs)) + b"".join(objs)
    w("sim_state", "empty", b"\x01" + body([]))
    w("sim_state", "objects", b"\x01" + body([obj(0x7F000005, 0x0B, [b"\xaa\xbb\xcc"], reserve=3),
                                            obj(0x7F000020, 0x09, [bytes(16)], policy=h("08 00000000 00200000"))]))
    full = b"SE05XSIM" + struct.pack(">II", 1, 0) + b""
    b1 = struct.pack(">Q", 1) + bytes(34) + struct.pack(">I", 0)
    full = b"SE05XSIM" + struct.pack(">II", 1, len(b1)) + b1
    w("sim_state", "raw-v1", b"\x80" + full + hashlib.sha256(full).digest())

    # (e) host_t1: [mode][the chip's blocks]; mode 1 = harness fixes CRCs
    atr = h("00 A0 00 00 03 96 04 03 E8 00 FE 02 0B 03 E8 08 01 00 00 00 00 64 00 00 0A 4A 43 4F 50 34 20 41 54 50 4F")
    ok = h("41 82 00 07 03 01 00 6F FF 01 0B 90 00")
    chip = [block(SE, 0xE0), block(SE, 0xE7, atr), block(SE, 0x00, ok), block(SE, 0x80 | 0x10),
            block(SE, 0x80), block(SE, 0x80), block(SE, 0x40, b"\x90\x00"), block(SE, 0x00, ok),
            block(SE, 0xE1, b"\x80"), block(SE, 0xE5)]
    w("host_t1", "session", b"\x00" + b"".join(chip))
    w("host_t1", "wtx", b"\x01" + block(SE, 0xE0) + block(SE, 0xC3, b"\x02") + block(SE, 0xE7, atr) + block(SE, 0x00, ok))

    # (f) host_cmds: [command][responses...]
    w("host_cmds", "version", b"\x00" + chunk(ok))
    w("host_cmds", "exists", b"\x03" + chunk(h("41 01 01 90 00")) + b"\x05" + chunk(h("41 02 00 20 90 00")))
    w("host_cmds", "idlist", b"\x07" + chunk(h("41 01 00 42 08 7F 00 00 01 7F 00 00 02 90 00")))
    w("host_cmds", "uid", b"\x0c" + chunk(h("41 82 00 12") + bytes(range(18)) + h("90 00")))
    pub = h("41 82 00 41 04") + bytes(range(1, 65)) + h("90 00")
    w("host_cmds", "pubkey", b"\x19" + chunk(h("41 01 01 90 00")) + chunk(h("41 01 03 90 00")) + chunk(pub))
    w("host_cmds", "sign", b"\x10" + chunk(h("41 82 00 08 30 06 02 01 01 02 01 01 90 00")))

    # (g) host_jrcp: what the server sends
    w("host_jrcp", "basic", jm(0x00, atr) + jm(0x01, ok) + jm(0x30) + jm(0x01, ok) + jm(0x31) + jm(0x01, ok))
    w("host_jrcp", "error", jm(0x00, atr) + jm(0x03, b"no card"))

    # (h) refkey: keys made with the python cryptography package
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives import serialization as ser
        d = bytes(18) + h("7F000001 A5A6B5B6 A5A6B5B6 10 00")
        k = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())
        w("refkey", "ec-pkcs8.pem", k.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()))
        w("refkey", "ec-sec1.der", k.private_bytes(ser.Encoding.DER, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption()))
        w("refkey", "ec-pub.pem", k.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo))
        r = rsa.generate_private_key(65537, 1024)
        w("refkey", "rsa.pem", r.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption()))
    except ImportError:
        print("gen_corpus: python3-cryptography missing: refkey seeds not rewritten", file=sys.stderr)

    # (i) tlv
    w("tlv", "tlvs", h("41 04 7F 00 00 01 42 01 03 43 81 02 AA BB 44 82 00 01 CC"))
    w("tlv", "apdu", GEN_P256)
    w("tlv", "ext", h("80 01 06 00 00 00 0F 41 04 7F 00 00 05 43 02 00 03 44 03 AA BB CC"))

    # (j) pkcs11: [login][op][template]...
    def attr(idx, val):
        return bytes([idx]) + chunk(val)
    ul = lambda v: struct.pack("<Q", v)
    p256 = h("06 08 2A 86 48 CE 3D 03 01 07")
    # op 2 = GenerateKeyPair (EC): pub template, then priv template
    w("pkcs11", "keygen", b"\x01" + b"\x02" + bytes([2]) + attr(7, p256) + attr(4, b"k1")
      + bytes([2]) + attr(2, b"\x01") + attr(18, b"\x01") + b"\x01" + b"\x00" + b"\x03" + bytes([2])
      + attr(0, b"") + attr(8, b""))
    # op 0 = CreateObject: a data-less AES key (CKO_SECRET_KEY 4, CKK_AES 0x1f)
    w("pkcs11", "create", b"\x01" + b"\x00" + bytes([4]) + attr(0, ul(4)) + attr(1, ul(0x1F))
      + attr(6, bytes(16)) + attr(2, b"\x01") + b"\x01" + bytes([1]) + attr(0, ul(4)))
    # a certificate object, found by class, then its DER-derived attributes
    # (CKA_SUBJECT, ISSUER, SERIAL_NUMBER, PUBLIC_KEY_INFO: issue 9's clang-only
    # crash in pkcs11/attributes.c)
    try:
        import datetime
        from cryptography import x509
        from cryptography.x509.oid import NameOID
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        k = ec.derive_private_key(12345, ec.SECP256R1())
        n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fz")])
        c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key())
             .serial_number(7).not_valid_before(datetime.datetime(2024, 1, 1))
             .not_valid_after(datetime.datetime(2034, 1, 1)).sign(k, hashes.SHA256()))
        der = c.public_bytes(serialization.Encoding.DER)
        w("pkcs11", "cert", b"\x01" + b"\x00" + bytes([4]) + attr(0, ul(1)) + attr(26, ul(0)) + attr(6, der)
          + attr(4, b"cert") + b"\x01" + bytes([1]) + attr(0, ul(1)) + b"\x03" + bytes([4])
          + attr(27, bytes(200)) + attr(28, bytes(200)) + attr(29, bytes(40)) + attr(30, bytes(200)))
    except ImportError:
        pass
    w("pkcs11", "find", b"\x00" + b"\x01" + b"\x00" + b"\x04" + bytes([3]) + attr(0, b"") + attr(27, b"")
      + attr(9, b""))

    # (k) scp03: mode, then [control][chunk]...
    body_ = lambda apdus: b"".join(b"\x00" + chunk(a) for a in apdus)
    w("scp03", "platform", b"\x00" + body_([VERSION, WRITE_BIN, READ_BIN, EXISTS]))
    w("scp03", "platform-sym", b"\x00" + body_([WRITE_AES, AES_ENC, WRITE_HMAC, HMAC, HKDF, DIGEST]))
    w("scp03", "aeskey", b"\x01" + body_([VERSION, WRITE_BIN, READ_BIN, h("80 04 00 1C 00")]))
    w("scp03", "userid", b"\x02" + body_([VERSION, GEN_P256, READ_PUB, h("80 04 00 1C 00")]))
    w("scp03", "badmac", b"\x00" + b"\x02" + chunk(READ_BIN) + b"\x01" + chunk(VERSION))


if __name__ == "__main__":
    main()
