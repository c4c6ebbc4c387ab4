/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the command files of lib/ (cmd_*.c, policy.c, ossl.c,
 * refkey.c). Internal; built on lib/internal.h and proto/tlv.h. */
#ifndef SE05X_CMD_UTIL_H
#define SE05X_CMD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "se05x_proto.h"
#include "tlv.h"

#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

/* libcrypto objects of lib/ come from the default provider whenever it is
 * loaded, so host crypto never lands in our own provider (docs/protocol/compat.md W1/R2,
 * docs/decisions.md D8); without a default provider, from whichever provider
 * offers them. Each returns NULL on failure. A property query does not keep
 * OpenSSL 3.0's decoders and encoders from using other providers' (they are
 * collected from every provider), so decoding and encoding run in a private
 * scope (below). */
#define SE05X_OSSL_PROPQ "provider=default"
EVP_PKEY_CTX *se05x_ossl_pkey_ctx(const char *alg);
EVP_MD *se05x_ossl_md(const char *name);
EC_GROUP *se05x_ossl_group(int nid);
EVP_PKEY *se05x_ossl_raw_key(const char *alg, int priv, const uint8_t *k, size_t n);
OSSL_DECODER_CTX *se05x_ossl_decoder(EVP_PKEY **pk, const char *input, int selection);
OSSL_ENCODER_CTX *se05x_ossl_encoder(const EVP_PKEY *pk, int selection, const char *output,
                                     const char *structure);

/* A private library context that knows only the built-in default provider,
 * made the calling thread's default library context between enter and leave
 * (OSSL_LIB_CTX_set0_default is per thread). Everything lib decodes or
 * encodes in between (PEM, DER, PKCS#8, PKCS#12, reference keys) can reach
 * no other provider, in particular not ours, whatever the process loaded or
 * its OPENSSL_CONF says (docs/protocol/compat.md R2, decisions.md D8). Created per call:
 * no global state. enter returns false when it cannot be set up. */
struct se05x_ossl_scope {
    OSSL_LIB_CTX *priv, *prev;
    OSSL_PROVIDER *dflt;
};
bool se05x_ossl_scope_enter(struct se05x_ossl_scope *sc);
void se05x_ossl_scope_leave(struct se05x_ossl_scope *sc);

/* INS byte of a WRITE: INS_WRITE | transient bit. */
uint8_t se05x_write_ins(const struct se05x_write_opts *o);

/* Appends TAG 11 (docs/protocol/apdu.md §12.1) when o has a non-empty policy.
 * SE05X_E_BAD_ARG (recorded in s) when the policy is malformed. */
se05x_rc se05x_policy_put(se05x_session *s, struct tlv_w *w, const struct se05x_write_opts *o);
/* Starts a WRITE command in w over buf: the policy of o (TAG 11, see
 * se05x_policy_put; pass NULL for the later APDUs of a multi-APDU write,
 * which carry none), then the object id (TAG 1). */
se05x_rc se05x_write_start(se05x_session *s, struct tlv_w *w, uint8_t *buf, size_t cap, se05x_objid id,
                           const struct se05x_write_opts *o);
/* The TAG 11 value alone: 9 bytes per rule. Returns its length, 0 when
 * the policy is empty or invalid (more than 6 rules). */
size_t se05x_policy_encode(const struct se05x_policy *p, uint8_t *buf, size_t cap);

/* Sends the command whose TLV payload sits in w (NULL: no data). An
 * overflowed w fails with SE05X_E_BAD_ARG. se05x_cmd already turns a chip
 * error on a missing object into SE05X_E_NOT_FOUND. rdata may be NULL when
 * no data is expected (then any response data is a protocol error). */
se05x_rc se05x_run(se05x_session *s, const char *what, se05x_objid id, uint8_t ins, uint8_t p1,
                   uint8_t p2, const struct tlv_w *w, bool extended,
                   uint8_t *rdata, size_t rcap, size_t *rlen);

/* Parses a response made of exactly one TLV with `tag`; anything else
 * (other tag, truncated, trailing bytes) is SE05X_E_PROTOCOL. */
se05x_rc se05x_rsp_one(se05x_session *s, const char *what, se05x_objid id, const uint8_t *r,
                       size_t rlen, uint8_t tag, const uint8_t **val, size_t *n);
/* Same, the value must be exactly `want` bytes long. */
se05x_rc se05x_rsp_fixed(se05x_session *s, const char *what, se05x_objid id, const uint8_t *r,
                         size_t rlen, uint8_t tag, size_t want, const uint8_t **val);
/* Protocol failure with a message naming the command. */
se05x_rc se05x_bad_rsp(se05x_session *s, const char *what, se05x_objid id, const char *why);

/* After a multi-APDU write failed part-way (rc recorded in s): deletes the
 * object it had created, keeping the write's error as the session's last
 * error (cmd_mgmt.c). */
void se05x_delete_half_written(se05x_session *s, se05x_objid id);

/* Copies a response value to a caller buffer (cap check). */
se05x_rc se05x_copy_out(se05x_session *s, const char *what, se05x_objid id, const uint8_t *v,
                        size_t n, uint8_t *out, size_t cap, size_t *len);

/* Curve helpers of curves.c used elsewhere. */
bool se05x_curve_is_weierstrass(se05x_curve c);
/* Bit length of the group order (ECDSA truncation), 0 if unknown. */
unsigned se05x_curve_order_bits(se05x_curve c);
/* Curve of a 7.x curve-specific object type (docs/protocol/apdu.md §7), NONE otherwise;
 * *part receives the key part. */
se05x_curve se05x_curve_from_type7(uint8_t type, se05x_keypart *part);

/* Map of a ReadType code (3.x generic and 7.x curve-specific). */
void se05x_type_decode(uint8_t type, se05x_kind *kind, se05x_keypart *part, se05x_curve *curve);

/* Key files (ossl.c): whole file into memory (at most 1 MiB, malloc'ed). */
se05x_rc se05x_read_file(const char *path, uint8_t **data, size_t *len, struct se05x_error *err);
/* PEM or DER bytes -> EVP_PKEY; selection EVP_PKEY_KEYPAIR or
 * EVP_PKEY_PUBLIC_KEY. *asked is set when a passphrase was requested.
 * Decodes in the current default library context: call it inside a scope. */
EVP_PKEY *se05x_decode_key(const uint8_t *d, size_t n, int selection, int *asked);
/* True for an encrypted PEM or DER PKCS#8 key. */
bool se05x_key_is_encrypted(const uint8_t *d, size_t n);

/* Montgomery/Edwards byte order of docs/protocol/apdu.md §21 (3.x host behaviour). */
void se05x_reverse(uint8_t *p, size_t n);

/* ECDSAVerify / RSAVerify (`80 03 0C 0A`, normal form): TLVs 41 id, 42 algo,
 * 43 data, 45 signature; the answer 41 01 <01 valid / 02 invalid>. The callers
 * validate their own arguments and algorithm code. */
se05x_rc se05x_verify_exchange(se05x_session *s, const char *what, se05x_objid id, uint8_t algo,
                               const uint8_t *data, size_t dlen, const uint8_t *sig, size_t siglen,
                               bool *valid);

/* ReadType, decoded; fails with SE05X_E_WRONG_TYPE unless the object is an EC
 * or RSA key. Any of the outputs may be NULL. */
se05x_rc se05x_read_asym_type(se05x_session *s, se05x_objid id, uint8_t *type, se05x_kind *kind,
                              se05x_keypart *part, se05x_curve *curve);

/* se05x_read_asym_type for a key whose public part is wanted (read or put in a
 * reference key): an object holding a private key only fails with
 * SE05X_E_WRONG_TYPE, the message ending in `why`. kind, part may be NULL. */
se05x_rc se05x_read_pub_type(se05x_session *s, se05x_objid id, se05x_kind *kind, se05x_keypart *part,
                             se05x_curve *curve, const char *why);
/* The curve of EC key id: *c as ReadType named it, else (3.x generic types,
 * *c SE05X_EC_NONE) GetECCurveId; a curve of unknown size fails with
 * SE05X_E_UNSUPPORTED. */
se05x_rc se05x_ec_curve_of(se05x_session *s, se05x_objid id, se05x_curve *c);

/* ---- checking the chip's answers (docs/verify-after-sign.md) ---- */
/* What to verify: an ECDSA signature over tbs (a digest, DER sig); an RSA
 * PKCS#1 v1.5 / PSS signature over tbs (a digest with mdname, a DigestInfo
 * with mdname NULL and PKCS#1); or a raw RSA result sig whose public
 * operation must give tbs back (RSADecrypt NO_PAD: is_sig 1 when it was a
 * signature, 0 for a decryption). */
enum se05x_host_kind { SE05X_HOST_ECDSA, SE05X_HOST_RSA, SE05X_HOST_RAW_RSA };
struct se05x_host_sig {
    enum se05x_host_kind kind;
    const uint8_t *tbs;
    size_t tbslen;
    const uint8_t *sig;
    size_t siglen;
    const char *mdname; /* RSA: "SHA256"...; NULL = tbs is a DigestInfo */
    bool pss;
    bool is_sig;
};
/* 1 valid, 0 invalid, -1 libcrypto could not run the check. */
int se05x_host_verify(EVP_PKEY *pk, const struct se05x_host_sig *v);
/* The whole check of docs/verify-after-sign.md: verifies with ck->pub or the
 * cached chip key (read on first use); on failure reads the chip's key once
 * to tell a stale reference key (SE05X_E_KEY_MISMATCH) from a bad answer
 * (SE05X_E_PROTOCOL). SE05X_OK when checks are off. */
se05x_rc se05x_check_answer(se05x_session *s, const char *what, se05x_objid id, const struct se05x_check *ck,
                            const struct se05x_host_sig *v);

/* The chip's EC public key pt (04||X||Y, or the raw reversed form of
 * Ed25519/X25519/X448) of object id on curve c as an EVP_PKEY; a point that
 * is not on c is a protocol error naming the object (ossl.c). */
se05x_rc se05x_ec_pub_pkey(se05x_session *s, se05x_objid id, se05x_curve c, const uint8_t *pt, size_t n,
                           EVP_PKEY **out);

/* ---- cold start: the curve from the public key (keyinfer.c, docs/lib.md) ---- */
/* How many of the cands (Weierstrass curves of the field size (n-1)/2 only)
 * the uncompressed point pt lies on, checked by libcrypto; *out is the curve
 * when exactly one, else SE05X_EC_NONE. 0 when pt is not 04||X||Y. */
size_t se05x_curve_match_point(const uint8_t *pt, size_t n, const se05x_curve *cands, size_t ncands,
                               se05x_curve *out);
/* The one chip curve (docs/protocol/apdu.md §8) that pt lies on, or
 * SE05X_EC_NONE (not a point, on none, or ambiguous). */
se05x_curve se05x_curve_from_point(const uint8_t *pt, size_t n);
/* ReadObject of id; when the answer is a point that names its curve: *c, the
 * key in *pk (a new reference) and both cached in the session. *pk NULL and
 * SE05X_OK when it does not (a refusing status word included: nothing is
 * recorded as an error); other codes are link failures. */
se05x_rc se05x_infer_ec_key(se05x_session *s, se05x_objid id, se05x_curve *c, EVP_PKEY **pk);
/* se05x_object_info; read_point false: GetECCurveId for a 3.x EC key, never
 * its public key (se05x_key_info has just read it and it named no curve). */
se05x_rc se05x_object_info_ex(se05x_session *s, se05x_objid id, struct se05x_object_info *out, bool read_point);
/* The cached public key of id (on curve c) as 04||X||Y; false when none. */
bool se05x_cached_point(se05x_session *s, se05x_objid id, se05x_curve c, uint8_t *pt, size_t cap, size_t *n);
/* After a refused ECDSASign on an object known only by inference: asks
 * ReadType; an object that is not an EC key pair fails with
 * SE05X_E_WRONG_TYPE naming it, otherwise rc and its error stand. */
se05x_rc se05x_inferred_refused(se05x_session *s, const char *what, se05x_objid id, se05x_rc rc);

#endif
