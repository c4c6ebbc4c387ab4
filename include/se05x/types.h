/* SPDX-License-Identifier: Apache-2.0 */
/* Plain types of the public API. Numeric values of enums that travel on the
 * wire are the applet's own (docs/protocol/apdu.md §8, §10, §12). */
#ifndef SE05X_TYPES_H
#define SE05X_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t se05x_objid;

/* ABI: the numeric value of every enum member in this file is fixed for good
 * (docs/api.md "ABI rules"); new members get new numbers, none is ever
 * renumbered or reused. */

/* Curve ids (docs/protocol/apdu.md §8). */
typedef enum {
    SE05X_EC_NONE = 0x00,
    SE05X_EC_NIST_P192 = 0x01,
    SE05X_EC_NIST_P224 = 0x02,
    SE05X_EC_NIST_P256 = 0x03,
    SE05X_EC_NIST_P384 = 0x04,
    SE05X_EC_NIST_P521 = 0x05,
    SE05X_EC_BRAINPOOL160 = 0x06,
    SE05X_EC_BRAINPOOL192 = 0x07,
    SE05X_EC_BRAINPOOL224 = 0x08,
    SE05X_EC_BRAINPOOL256 = 0x09,
    SE05X_EC_BRAINPOOL320 = 0x0A,
    SE05X_EC_BRAINPOOL384 = 0x0B,
    SE05X_EC_BRAINPOOL512 = 0x0C,
    SE05X_EC_SECP160K1 = 0x0D,
    SE05X_EC_SECP192K1 = 0x0E,
    SE05X_EC_SECP224K1 = 0x0F,
    SE05X_EC_SECP256K1 = 0x10,
    SE05X_EC_ED25519 = 0x40,
    SE05X_EC_X25519 = 0x41,
    SE05X_EC_X448 = 0x43,
} se05x_curve;

/* Key part (P1 bits 6..5). */
typedef enum {
    SE05X_PART_PAIR = 0x60,
    SE05X_PART_PRIVATE = 0x40,
    SE05X_PART_PUBLIC = 0x20,
} se05x_keypart;

/* What an object is, decoded from ReadType. */
typedef enum {
    SE05X_KIND_UNKNOWN = 0,
    SE05X_KIND_EC = 1,
    SE05X_KIND_RSA = 2,
    SE05X_KIND_AES = 3,
    SE05X_KIND_DES = 4,
    SE05X_KIND_HMAC = 5,
    SE05X_KIND_BINARY = 6,
    SE05X_KIND_USERID = 7,
    SE05X_KIND_COUNTER = 8,
    SE05X_KIND_PCR = 9,
} se05x_kind;

typedef enum {
    SE05X_MD_NONE = 0,
    SE05X_MD_SHA1 = 1,
    SE05X_MD_SHA224 = 2,
    SE05X_MD_SHA256 = 3,
    SE05X_MD_SHA384 = 4,
    SE05X_MD_SHA512 = 5,
} se05x_digest;

typedef enum {
    SE05X_RSA_PAD_NONE = 0,  /* raw RSA (encrypt/decrypt NO_PAD) */
    SE05X_RSA_PAD_PKCS1 = 1, /* PKCS#1 v1.5 (signature or encryption) */
    SE05X_RSA_PAD_PSS = 2,   /* signatures only */
    SE05X_RSA_PAD_OAEP = 3,  /* encryption only; SHA-1 / MGF1-SHA-1 as the applet does */
} se05x_rsa_pad;

/* Object filters of se05x_read_id_list / se05x_list_objects: the object
 * type the chip answers with ids of (ReadIDList, docs/protocol/apdu.md), or
 * every object. ABI: values fixed for good (docs/api.md "ABI rules"). */
typedef enum {
    SE05X_FILTER_EC_KEY_PAIR = 0x01,
    SE05X_FILTER_EC_PRIVATE = 0x02,
    SE05X_FILTER_EC_PUBLIC = 0x03,
    SE05X_FILTER_RSA_KEY_PAIR = 0x04,
    SE05X_FILTER_RSA_KEY_PAIR_CRT = 0x05,
    SE05X_FILTER_RSA_PRIVATE = 0x06,
    SE05X_FILTER_RSA_PRIVATE_CRT = 0x07,
    SE05X_FILTER_RSA_PUBLIC = 0x08,
    SE05X_FILTER_AES = 0x09,
    SE05X_FILTER_DES = 0x0A,
    SE05X_FILTER_BINARY = 0x0B,
    SE05X_FILTER_USERID = 0x0C,
    SE05X_FILTER_COUNTER = 0x0D,
    SE05X_FILTER_PCR = 0x0F,
    SE05X_FILTER_CURVE = 0x10,
    SE05X_FILTER_HMAC = 0x11,
    SE05X_FILTER_ALL = 0xFF,
} se05x_obj_filter;

/* RSA key components of se05x_read_rsa_component (ReadRSA attribute,
 * docs/protocol/apdu.md); only the public ones are readable from the chip.
 * ABI: values fixed for good. */
typedef enum {
    SE05X_RSA_COMPONENT_MODULUS = 0x00,
    SE05X_RSA_COMPONENT_PUBLIC_EXPONENT = 0x01,
    SE05X_RSA_COMPONENT_PRIVATE_EXPONENT = 0x02,
    SE05X_RSA_COMPONENT_P = 0x03,
    SE05X_RSA_COMPONENT_Q = 0x04,
    SE05X_RSA_COMPONENT_DP = 0x05,
    SE05X_RSA_COMPONENT_DQ = 0x06,
    SE05X_RSA_COMPONENT_QINV = 0x07,
} se05x_rsa_component;

/* Memory kinds for GetFreeMemory (docs/protocol/apdu.md §10). */
typedef enum {
    SE05X_MEMORY_PERSISTENT = 0x01,
    SE05X_MEMORY_TRANSIENT_RESET = 0x02,
    SE05X_MEMORY_TRANSIENT_DESELECT = 0x03,
} se05x_memory;

/* Object policy (docs/protocol/apdu.md §12). Rules are SE05X_POLICY_* bits below. */
#define SE05X_POLICY_MAX_RULES 6
struct se05x_policy_rule {
    uint32_t auth_id; /* 0 = access without a session */
    uint32_t rules;
};
struct se05x_policy {
    unsigned n;
    struct se05x_policy_rule rule[SE05X_POLICY_MAX_RULES];
};
#define SE05X_POLICY_FORBID_ALL 0x20000000u
#define SE05X_POLICY_SIGN 0x10000000u
#define SE05X_POLICY_VERIFY 0x08000000u
#define SE05X_POLICY_KA 0x04000000u
#define SE05X_POLICY_ENC 0x02000000u
#define SE05X_POLICY_DEC 0x01000000u
#define SE05X_POLICY_KDF 0x00800000u
#define SE05X_POLICY_WRAP 0x00400000u
#define SE05X_POLICY_READ 0x00200000u
#define SE05X_POLICY_WRITE 0x00100000u
#define SE05X_POLICY_GEN 0x00080000u
#define SE05X_POLICY_DELETE 0x00040000u
#define SE05X_POLICY_REQUIRE_SM 0x00020000u
#define SE05X_POLICY_REQUIRE_PCR 0x00010000u
#define SE05X_POLICY_ATTESTATION 0x00008000u
#define SE05X_POLICY_IMPORT_EXPORT 0x00001000u
/* Applet 7.x only (SE050E, SE051): refused by the library on a 3.x chip. */
#define SE05X_POLICY_TLS_KDF 0x80000000u
#define SE05X_POLICY_TLS_PMS 0x40000000u
#define SE05X_POLICY_FORBID_DERIVED_OUTPUT 0x00000800u
#define SE05X_POLICY_KDF_EXT_RANDOM 0x00000400u
#define SE05X_POLICY_DESFIRE_CHANGEKEY 0x00000200u
#define SE05X_POLICY_DERIVED_INPUT 0x00000100u
#define SE05X_POLICY_PBKDF 0x00000080u
#define SE05X_POLICY_DESFIRE_KDF 0x00000040u
#define SE05X_POLICY_FORBID_EXTERNAL_IV 0x00000020u
#define SE05X_POLICY_HMAC_PEPPER 0x00000010u
#define SE05X_POLICY_INTERNAL_SIGN 0x00000008u

/* Options for object creation. A NULL pointer means: persistent, applet
 * default policy. */
struct se05x_write_opts {
    const struct se05x_policy *policy; /* NULL: no TAG 11 (applet default) */
    int transient;                     /* 1: INS bit 0x80 */
};

/* What an object is, as learnt from ReadType (+ GetECCurveId / ReadSize). */
struct se05x_object_info {
    se05x_objid id;
    uint8_t type;        /* raw applet type code (docs/protocol/apdu.md §7) */
    se05x_kind kind;
    se05x_keypart part;  /* for keys; 0 otherwise */
    int transient;
    se05x_curve curve;   /* EC keys */
    unsigned bits;       /* RSA modulus bits / EC field bits / symmetric key bits */
    uint16_t size;       /* ReadSize value (bytes) */
};

/* Applet identity from the SELECT answer (docs/protocol/apdu.md §1.2). */
struct se05x_applet_info {
    uint8_t major, minor, patch;
    uint16_t config;     /* AppletConfig bitmap */
    uint8_t sb_major, sb_minor;
};

#ifdef __cplusplus
}
#endif
#endif
