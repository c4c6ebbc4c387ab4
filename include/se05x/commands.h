/* SPDX-License-Identifier: Apache-2.0 */
/* One function per applet command (docs/protocol/apdu.md §4), typed arguments,
 * exact Lc/Le forms of §3.3. All return se05x_rc; on failure the session's
 * last error names the command, the object and the reason. Output buffers
 * are (buf, cap, *len): SE05X_E_BAD_ARG when cap is too small. */
#ifndef SE05X_COMMANDS_H
#define SE05X_COMMANDS_H

#include <stdbool.h>
#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- management and information ---- */
se05x_rc se05x_get_version(se05x_session *s, struct se05x_applet_info *out);
/* Any n: split into chunks that fit one response. */
se05x_rc se05x_get_random(se05x_session *s, uint8_t *buf, size_t n);
se05x_rc se05x_get_free_memory(se05x_session *s, se05x_memory kind, uint16_t *free_bytes);
se05x_rc se05x_object_exists(se05x_session *s, se05x_objid id, bool *exists);
se05x_rc se05x_read_type(se05x_session *s, se05x_objid id, uint8_t *type, bool *transient);
se05x_rc se05x_read_size(se05x_session *s, se05x_objid id, uint16_t *size);
/* One ReadIDList page; offset counts ids; filter: an se05x_obj_filter
 * (SE05X_FILTER_ALL for every object). */
se05x_rc se05x_read_id_list(se05x_session *s, uint16_t offset, uint8_t filter,
                            se05x_objid *ids, size_t cap, size_t *n, bool *more);
/* All pages; filter as above; *ids is allocated (se05x_free). */
se05x_rc se05x_list_objects(se05x_session *s, uint8_t filter, se05x_objid **ids, size_t *n);
se05x_rc se05x_delete_object(se05x_session *s, se05x_objid id);
/* ReadType + (EC) GetECCurveId / (RSA, others) ReadSize. */
se05x_rc se05x_object_info(se05x_session *s, se05x_objid id, struct se05x_object_info *out);

/* ---- reading ---- */
/* ReadObject: offset/length 0 = whole object (binary) or public key. */
se05x_rc se05x_read_object(se05x_session *s, se05x_objid id, uint16_t offset, uint16_t length,
                           uint8_t *out, size_t cap, size_t *len);
/* comp: an se05x_rsa_component (SE05X_RSA_COMPONENT_MODULUS, ..._PUBLIC_EXPONENT). */
se05x_rc se05x_read_rsa_component(se05x_session *s, se05x_objid id, uint8_t comp,
                                  uint8_t *out, size_t cap, size_t *len);
/* Whole binary object of any size, read in chunks; *out allocated (se05x_free). */
se05x_rc se05x_read_binary(se05x_session *s, se05x_objid id, uint8_t **out, size_t *len);
/* 18-byte UID from 0x7FFF0206; CertUID = bytes 2,3,8..15. */
se05x_rc se05x_read_uid(se05x_session *s, uint8_t uid[18]);
void se05x_certuid(const uint8_t uid[18], uint8_t certuid[10]);

/* ---- curves ---- */
/* ReadECCurveList: set[i] = SetIndicator of curve id i+1 (i < 0x11). */
se05x_rc se05x_read_curve_list(se05x_session *s, uint8_t set[17]);
/* CreateECCurve + SetECCurveParam A, B, G, N, PRIME (parameters from libcrypto). */
se05x_rc se05x_create_curve(se05x_session *s, se05x_curve c);
/* Creates the curve if the chip does not have it; cached per session. */
se05x_rc se05x_ensure_curve(se05x_session *s, se05x_curve c);
se05x_rc se05x_get_curve_id(se05x_session *s, se05x_objid id, se05x_curve *c);

/* ---- writing ---- */
/* WriteECKey without key data: on-chip key pair generation. */
se05x_rc se05x_ec_generate(se05x_session *s, se05x_objid id, se05x_curve c,
                           const struct se05x_write_opts *o);
/* Import: part PAIR needs priv and pub (04||X||Y), PUBLIC only pub, PRIVATE only priv. */
se05x_rc se05x_ec_import(se05x_session *s, se05x_objid id, se05x_curve c, se05x_keypart part,
                         const uint8_t *priv, size_t privlen, const uint8_t *pub, size_t publen,
                         const struct se05x_write_opts *o);
/* On-chip RSA key pair generation (CRT format); bits 1024..4096. */
se05x_rc se05x_rsa_generate(se05x_session *s, se05x_objid id, unsigned bits,
                            const struct se05x_write_opts *o);
/* RSA components, big-endian unsigned. */
struct se05x_rsa_components {
    const uint8_t *n; size_t n_len;
    const uint8_t *e; size_t e_len;
    const uint8_t *p; size_t p_len;
    const uint8_t *q; size_t q_len;
    const uint8_t *dp; size_t dp_len;
    const uint8_t *dq; size_t dq_len;
    const uint8_t *qinv; size_t qinv_len;
};
/* Multi-APDU CRT import (PAIR: p q dp dq qinv e n; PUBLIC: e n). */
se05x_rc se05x_rsa_import(se05x_session *s, se05x_objid id, unsigned bits, se05x_keypart part,
                          const struct se05x_rsa_components *k, const struct se05x_write_opts *o);
/* Creates (or replaces) a binary file with these contents, in 500-byte chunks.
 * An existing object of another size is deleted first. */
se05x_rc se05x_write_binary(se05x_session *s, se05x_objid id, const uint8_t *data, size_t len,
                            const struct se05x_write_opts *o);

/* ---- crypto ---- */
/* ECDSASign: digest length must match md (the chip does not hash). DER out. */
se05x_rc se05x_ecdsa_sign(se05x_session *s, se05x_objid id, se05x_digest md,
                          const uint8_t *digest, size_t dlen, uint8_t *sig, size_t cap, size_t *len);
/* ECDSA over a digest of any length (engine/provider/PKCS#11): picks the
 * algorithm code from the length, left-pads or truncates as ECDSA does.
 * One APDU. DER out. */
se05x_rc se05x_ecdsa_sign_digest(se05x_session *s, se05x_objid id, const uint8_t *digest, size_t dlen,
                                 uint8_t *sig, size_t cap, size_t *len);
se05x_rc se05x_ecdsa_verify(se05x_session *s, se05x_objid id, se05x_digest md,
                            const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t siglen,
                            bool *valid);
/* RSASign / RSAVerify APDUs: the chip hashes `msg` with md (see docs/decisions.md). */
se05x_rc se05x_rsa_sign(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                        const uint8_t *msg, size_t mlen, uint8_t *sig, size_t cap, size_t *len);
se05x_rc se05x_rsa_verify(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                          const uint8_t *msg, size_t mlen, const uint8_t *sig, size_t siglen,
                          bool *valid);
/* RSA signature of a ready digest: EMSA padding on the host (libcrypto),
 * then one RSADecrypt NO_PAD on the chip (what the NXP host does; needs the
 * DEC policy bit). pad PKCS1 (DigestInfo built here) or PSS (salt_len bytes,
 * -1 = digest length, -2 = maximum). md NONE with PKCS1: digest is a
 * caller-made DigestInfo. bits = modulus size. */
se05x_rc se05x_rsa_sign_digest(se05x_session *s, se05x_objid id, unsigned bits, se05x_rsa_pad pad,
                               se05x_digest md, int salt_len, const uint8_t *digest, size_t dlen,
                               uint8_t *sig, size_t cap, size_t *len);
se05x_rc se05x_rsa_encrypt(se05x_session *s, se05x_objid id, se05x_rsa_pad pad,
                           const uint8_t *in, size_t inlen, uint8_t *out, size_t cap, size_t *len);
se05x_rc se05x_rsa_decrypt(se05x_session *s, se05x_objid id, se05x_rsa_pad pad,
                           const uint8_t *in, size_t inlen, uint8_t *out, size_t cap, size_t *len);
/* ECDHGenerateSharedSecret: peer = 04||X||Y; out = X coordinate. */
se05x_rc se05x_ecdh(se05x_session *s, se05x_objid id, const uint8_t *peer, size_t peerlen,
                    uint8_t *out, size_t cap, size_t *len);

/* ---- checking the chip's answers (docs/verify-after-sign.md) ----
 * No answer is taken on trust: before a signature leaves the lib it is
 * verified on the host with the key's public key (ECDSA, RSA PKCS#1 v1.5
 * and PSS, also RSA signatures made with raw RSADecrypt); a raw RSA
 * decryption is checked by re-encrypting it (m^e mod n == c); an ECDH
 * result must be an X coordinate of a point on the curve, of the curve's
 * length. The public key is the caller's (the public part of a reference
 * key file: no APDU) or else the chip's, read once per session and cached
 * per object id (dropped when this session writes or deletes the object).
 * When a signature fails, the chip's public key is read once more to say
 * why: "reference key file does not match the key in 0x7F000001:
 * regenerated?" (SE05X_E_KEY_MISMATCH) or "signature from the chip failed
 * verification: bad answer from chip or link" (SE05X_E_PROTOCOL). The
 * answer is never returned then. On by default. */
struct evp_pkey_st; /* OpenSSL's EVP_PKEY */
struct se05x_check {
    /* Public key the caller expects the object to hold (any provider; only
     * its public part is used). NULL: the chip's, cached per session. */
    const struct evp_pkey_st *pub;
    /* Names pub in the mismatch message; NULL: "reference key file". */
    const char *pub_source;
    /* 1: return the chip's answer unchecked. WEAKER: a bit flipped on the
     * bus, a hostile chip or a stale reference key then yields a wrong
     * signature/plaintext with success. For measurements and keys whose
     * public part cannot be read (private-only objects) only. */
    int off;
};
/* Session default for every call below and for the calls without _ex
 * (true at open). false = as if every check had off = 1 (weaker, above). */
void se05x_set_verify(se05x_session *s, bool on);
/* The signing/decrypting calls above, with an explicit check (NULL: as the
 * plain calls, the chip's cached public key). */
se05x_rc se05x_ecdsa_sign_ex(se05x_session *s, se05x_objid id, se05x_digest md, const uint8_t *digest,
                             size_t dlen, uint8_t *sig, size_t cap, size_t *len,
                             const struct se05x_check *ck);
se05x_rc se05x_ecdsa_sign_digest_ex(se05x_session *s, se05x_objid id, const uint8_t *digest, size_t dlen,
                                    uint8_t *sig, size_t cap, size_t *len, const struct se05x_check *ck);
se05x_rc se05x_rsa_sign_ex(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, se05x_digest md,
                           const uint8_t *msg, size_t mlen, uint8_t *sig, size_t cap, size_t *len,
                           const struct se05x_check *ck);
se05x_rc se05x_rsa_sign_digest_ex(se05x_session *s, se05x_objid id, unsigned bits, se05x_rsa_pad pad,
                                  se05x_digest md, int salt_len, const uint8_t *digest, size_t dlen,
                                  uint8_t *sig, size_t cap, size_t *len, const struct se05x_check *ck);
/* pad NONE: the result is re-encrypted with the public key and must give
 * `in` back. PKCS1 / OAEP (padding removed by the chip): only the length
 * is checkable (at most k-11, resp. k-2*20-2 bytes for OAEP SHA-1). */
se05x_rc se05x_rsa_decrypt_ex(se05x_session *s, se05x_objid id, se05x_rsa_pad pad, const uint8_t *in,
                              size_t inlen, uint8_t *out, size_t cap, size_t *len,
                              const struct se05x_check *ck);

/* ---- host-side iterative reset (docs/protocol/apdu.md §17) ---- */
/* true for the ids the iterative reset skips (7FFFxxxx, 7DA0xxxx, Fxxxxxxx, 0..3). */
bool se05x_id_is_reserved(se05x_objid id);
/* ReadIDList + DeleteSecureObject of every non-reserved object. */
se05x_rc se05x_reset_objects(se05x_session *s, size_t *deleted);

/* ---- helpers (no chip access) ---- */
const char *se05x_curve_name(se05x_curve c);       /* "NIST_P256" (ssscli names) */
se05x_curve se05x_curve_from_name(const char *name); /* ssscli and OpenSSL names; NONE if unknown */
int se05x_curve_to_nid(se05x_curve c);             /* NID_undef if none */
se05x_curve se05x_curve_from_nid(int nid);
size_t se05x_curve_bytes(se05x_curve c);           /* field/scalar byte length L */
size_t se05x_digest_len(se05x_digest md);
se05x_digest se05x_digest_from_len(size_t len);    /* 20..64 -> SHA-x; NONE otherwise */
/* "0x7f000001", "7F000001", "7f000001" -> id. strict: hex only, <= 8 digits, non-zero. */
se05x_rc se05x_parse_objid(const char *text, se05x_objid *id);

#ifdef __cplusplus
}
#endif
#endif
