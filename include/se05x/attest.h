/* SPDX-License-Identifier: Apache-2.0 */
/* Attestation (docs/attestation.md, docs/protocol/attestation.md): an attested
 * read of an object, saved as one self-describing PEM record, and a verifier
 * that needs no chip (for a backend): certificate chain to a given CA, the
 * chip's signature, the nonce, optionally the attested public key. Both
 * answer layouts are understood: applet 3.x and applet 7.x ("layout V2"). */
#ifndef SE05X_ATTEST_H
#define SE05X_ATTEST_H

#include <stddef.h>
#include <stdint.h>
#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SE05X_ATTEST_KEY_DEFAULT 0xF0000012u  /* NXP's attestation key */
#define SE05X_ATTEST_CERT_DEFAULT 0xF0000013u /* its certificate */
#define SE05X_ATTEST_NONCE_MAX 16
#define SE05X_ATTEST_CHIPID_LEN 18
#define SE05X_ATTEST_TIMESTAMP_LEN 12
#define SE05X_ATTEST_DATA_MAX 1024

/* Where the object's key material came from (attributes "origin"). */
typedef enum {
    SE05X_ORIGIN_UNKNOWN = 0,
    SE05X_ORIGIN_IMPORTED = 1,    /* written from outside the chip */
    SE05X_ORIGIN_GENERATED = 2,   /* generated inside the chip */
    SE05X_ORIGIN_NXP = 3,         /* trust-provisioned by NXP */
} se05x_origin;

/* Answer layout. */
typedef enum {
    SE05X_ATTEST_LAYOUT_3X = 1,   /* applet 3.x */
    SE05X_ATTEST_LAYOUT_V2 = 2,   /* applet 7.x "attestation layout V2" */
} se05x_attest_layout;

/* Options of se05x_attest. NULL = all defaults. struct_size = sizeof. */
struct se05x_attest_opts {
    size_t struct_size;
    se05x_objid key_id;         /* 0: SE05X_ATTEST_KEY_DEFAULT */
    se05x_objid cert_id;        /* 0: SE05X_ATTEST_CERT_DEFAULT (read into the record) */
    uint8_t algo;               /* applet signature code; 0: ECDSA SHA-256 (0x21) */
    const uint8_t *nonce;       /* NULL: 16 fresh random bytes */
    size_t nonce_len;           /* 1..16 */
    const char *chain_pem;      /* NULL, or intermediate certificates (PEM text) to add */
};

/* Attested read of object `id` (two reads for an RSA key: modulus and
 * public exponent, same nonce), plus the attestation certificate. *pem is
 * the record (NUL-terminated PEM text, se05x_free), *len its length. The
 * layout follows the applet version of the session's SELECT answer. Before
 * it is returned, every signed answer is checked against the certificate's
 * key (SE05X_E_PROTOCOL when it does not verify; se05x_set_verify(s, false)
 * skips the check). The CA chain is the verifier's business. */
se05x_rc se05x_attest(se05x_session *s, se05x_objid id, const struct se05x_attest_opts *o, char **pem,
                      size_t *len);

/* Options of se05x_attest_verify. struct_size = sizeof. */
struct se05x_attest_verify_opts {
    size_t struct_size;
    const char *ca_pem;         /* trusted CA certificate(s), PEM text; required */
    size_t ca_pem_len;
    const uint8_t *nonce;       /* expected nonce; NULL: not checked (nonce_checked 0) */
    size_t nonce_len;
    const uint8_t *pubkey;      /* SubjectPublicKeyInfo (PEM or DER) the object must hold; NULL: not compared */
    size_t pubkey_len;
};

/* What a verified record says. Allocated by se05x_attest_verify: se05x_free. */
struct se05x_attestation {
    se05x_attest_layout layout;
    uint8_t applet_major, applet_minor, applet_patch; /* as recorded by the attester */
    se05x_objid id;
    uint8_t type;               /* raw applet type code (docs/protocol/apdu.md §7) */
    se05x_kind kind;
    se05x_keypart part;         /* keys; 0 otherwise */
    se05x_curve curve;          /* 7.x EC types; SE05X_EC_NONE when the layout does not say */
    uint32_t size;              /* bytes (V2: the chip's object size; 3.x: from the data) */
    int size_known;
    se05x_origin origin;
    struct se05x_policy policy; /* rules (extensions dropped; see policy_raw) */
    uint8_t policy_raw[256];
    size_t policy_len;
    int auth_object;            /* 1: authentication object */
    uint16_t failed_attempts, max_attempts; /* auth objects */
    se05x_objid owner;          /* auth object that created it (0: none) */
    int has_version;            /* V2: object version present */
    uint32_t version;
    se05x_objid key_id;         /* attestation key */
    uint8_t algo;
    uint8_t nonce[SE05X_ATTEST_NONCE_MAX];
    size_t nonce_len;
    int nonce_checked;          /* 1: equal to the expected nonce */
    int pubkey_checked;         /* 1: equal to the given public key */
    uint8_t chip_id[SE05X_ATTEST_CHIPID_LEN];
    uint8_t timestamp[SE05X_ATTEST_TIMESTAMP_LEN];
    uint8_t data[SE05X_ATTEST_DATA_MAX]; /* EC: 04||X||Y; RSA: modulus; files: contents */
    size_t data_len;
    uint8_t exponent[16];       /* RSA public exponent */
    size_t exponent_len;
    char cert_subject[256];     /* attestation certificate, one line */
    int cert_names_chip;        /* 1: the certificate's CN carries chip_id in hex (NXP: "Attest-<id>") */
};

/* Verifies a record made by se05x_attest. SE05X_OK only when everything
 * holds: the certificate chains to a CA of o->ca_pem, every signed answer
 * verifies with its key, the nonce (when given) is the one signed, the
 * answers agree with each other, and (when given) the public key is the
 * attested one. *out (se05x_free) only on success. Failure: SE05X_E_FORMAT
 * (malformed record), SE05X_E_CRYPTO (chain, signature, nonce),
 * SE05X_E_KEY_MISMATCH (public key), SE05X_E_BAD_ARG; err->msg says which.
 * Needs no session; thread safe. */
se05x_rc se05x_attest_verify(const char *record, size_t len, const struct se05x_attest_verify_opts *o,
                             struct se05x_attestation **out, struct se05x_error *err);

/* "generated inside the chip" ... */
const char *se05x_origin_text(se05x_origin origin);

#ifdef __cplusplus
}
#endif
#endif
