/* SPDX-License-Identifier: Apache-2.0 */
/* Curve, digest and object-type helpers (no chip access). Curve ids are the
 * applet's (docs/protocol/apdu.md §8); names are the ssscli spellings plus OpenSSL names.
 * Only identities and sizes live here; curve parameters always come from
 * libcrypto (cmd_curves.c). */
#include <strings.h>

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "cmd_util.h"

struct curve_desc {
    se05x_curve c;
    const char *name;   /* ssscli */
    const char *alias1; /* OpenSSL short name */
    const char *alias2; /* other common name */
    int nid;
    size_t bytes;       /* field / key length L */
};

static const struct curve_desc curves[] = {
    {SE05X_EC_NIST_P192, "NIST_P192", "prime192v1", "P-192", NID_X9_62_prime192v1, 24},
    {SE05X_EC_NIST_P224, "NIST_P224", "secp224r1", "P-224", NID_secp224r1, 28},
    {SE05X_EC_NIST_P256, "NIST_P256", "prime256v1", "P-256", NID_X9_62_prime256v1, 32},
    {SE05X_EC_NIST_P384, "NIST_P384", "secp384r1", "P-384", NID_secp384r1, 48},
    {SE05X_EC_NIST_P521, "NIST_P521", "secp521r1", "P-521", NID_secp521r1, 66},
    {SE05X_EC_BRAINPOOL160, "Brainpool160", "brainpoolP160r1", NULL, NID_brainpoolP160r1, 20},
    {SE05X_EC_BRAINPOOL192, "Brainpool192", "brainpoolP192r1", NULL, NID_brainpoolP192r1, 24},
    {SE05X_EC_BRAINPOOL224, "Brainpool224", "brainpoolP224r1", NULL, NID_brainpoolP224r1, 28},
    {SE05X_EC_BRAINPOOL256, "Brainpool256", "brainpoolP256r1", NULL, NID_brainpoolP256r1, 32},
    {SE05X_EC_BRAINPOOL320, "Brainpool320", "brainpoolP320r1", NULL, NID_brainpoolP320r1, 40},
    {SE05X_EC_BRAINPOOL384, "Brainpool384", "brainpoolP384r1", NULL, NID_brainpoolP384r1, 48},
    {SE05X_EC_BRAINPOOL512, "Brainpool512", "brainpoolP512r1", NULL, NID_brainpoolP512r1, 64},
    {SE05X_EC_SECP160K1, "Secp160k1", "secp160k1", NULL, NID_secp160k1, 20},
    {SE05X_EC_SECP192K1, "Secp192k1", "secp192k1", NULL, NID_secp192k1, 24},
    {SE05X_EC_SECP224K1, "Secp224k1", "secp224k1", NULL, NID_secp224k1, 28},
    {SE05X_EC_SECP256K1, "Secp256k1", "secp256k1", NULL, NID_secp256k1, 32},
    {SE05X_EC_ED25519, "ED_25519", "ED25519", "Ed25519", NID_ED25519, 32},
    {SE05X_EC_X25519, "MONT_DH_25519", "X25519", NULL, NID_X25519, 32},
    {SE05X_EC_X448, "MONT_DH_448", "X448", NULL, NID_X448, 56},
};
#define NCURVES (sizeof curves / sizeof curves[0])

static const struct curve_desc *find(se05x_curve c)
{
    for (size_t i = 0; i < NCURVES; i++)
        if (curves[i].c == c)
            return &curves[i];
    return NULL;
}

const char *se05x_curve_name(se05x_curve c)
{
    const struct curve_desc *d = find(c);
    return d ? d->name : "unknown";
}

se05x_curve se05x_curve_from_name(const char *name)
{
    if (!name)
        return SE05X_EC_NONE;
    for (size_t i = 0; i < NCURVES; i++) {
        const struct curve_desc *d = &curves[i];
        if (!strcasecmp(name, d->name) || !strcasecmp(name, d->alias1) ||
            (d->alias2 && !strcasecmp(name, d->alias2)))
            return d->c;
    }
    /* other OpenSSL spellings of the NIST curves */
    if (!strcasecmp(name, "secp192r1"))
        return SE05X_EC_NIST_P192;
    if (!strcasecmp(name, "secp256r1"))
        return SE05X_EC_NIST_P256;
    return SE05X_EC_NONE;
}

int se05x_curve_to_nid(se05x_curve c)
{
    const struct curve_desc *d = find(c);
    return d ? d->nid : NID_undef;
}

se05x_curve se05x_curve_from_nid(int nid)
{
    if (nid == NID_undef)
        return SE05X_EC_NONE;
    for (size_t i = 0; i < NCURVES; i++)
        if (curves[i].nid == nid)
            return curves[i].c;
    return SE05X_EC_NONE;
}

size_t se05x_curve_bytes(se05x_curve c)
{
    const struct curve_desc *d = find(c);
    return d ? d->bytes : 0;
}

bool se05x_curve_is_weierstrass(se05x_curve c)
{
    return c >= SE05X_EC_NIST_P192 && c <= SE05X_EC_SECP256K1;
}

unsigned se05x_curve_order_bits(se05x_curve c)
{
    if (!se05x_curve_is_weierstrass(c))
        return 0;
    EC_GROUP *g = se05x_ossl_group(se05x_curve_to_nid(c));
    if (!g)
        return 0;
    int bits = EC_GROUP_order_bits(g);
    EC_GROUP_free(g);
    return bits > 0 ? (unsigned)bits : 0;
}

size_t se05x_digest_len(se05x_digest md)
{
    switch (md) {
    case SE05X_MD_SHA1: return 20;
    case SE05X_MD_SHA224: return 28;
    case SE05X_MD_SHA256: return 32;
    case SE05X_MD_SHA384: return 48;
    case SE05X_MD_SHA512: return 64;
    default: return 0;
    }
}

se05x_digest se05x_digest_from_len(size_t len)
{
    switch (len) {
    case 20: return SE05X_MD_SHA1;
    case 28: return SE05X_MD_SHA224;
    case 32: return SE05X_MD_SHA256;
    case 48: return SE05X_MD_SHA384;
    case 64: return SE05X_MD_SHA512;
    default: return SE05X_MD_NONE;
    }
}

/* 7.x curve-specific EC types (docs/protocol/apdu.md §7): pair = 0x21 + 4k, +1 private,
 * +2 public; k indexes this list. */
static const se05x_curve type7_curves[] = {
    SE05X_EC_NIST_P192, SE05X_EC_NIST_P224, SE05X_EC_NIST_P256, SE05X_EC_NIST_P384,
    SE05X_EC_NIST_P521, SE05X_EC_BRAINPOOL160, SE05X_EC_BRAINPOOL192, SE05X_EC_BRAINPOOL224,
    SE05X_EC_BRAINPOOL256, SE05X_EC_BRAINPOOL320, SE05X_EC_BRAINPOOL384, SE05X_EC_BRAINPOOL512,
    SE05X_EC_SECP160K1, SE05X_EC_SECP192K1, SE05X_EC_SECP224K1, SE05X_EC_SECP256K1,
    (se05x_curve)SE05X_CURVE_TPM_BN_P256, SE05X_EC_ED25519, SE05X_EC_X25519, SE05X_EC_NONE,
    SE05X_EC_X448,
};

se05x_curve se05x_curve_from_type7(uint8_t type, se05x_keypart *part)
{
    if (type < 0x21)
        return SE05X_EC_NONE;
    unsigned k = (unsigned)(type - 0x21) / 4, r = (unsigned)(type - 0x21) % 4;
    if (k >= sizeof type7_curves / sizeof type7_curves[0] || r == 3 ||
        type7_curves[k] == SE05X_EC_NONE)
        return SE05X_EC_NONE;
    if (part)
        *part = r == 0 ? SE05X_PART_PAIR : r == 1 ? SE05X_PART_PRIVATE : SE05X_PART_PUBLIC;
    return type7_curves[k];
}

void se05x_type_decode(uint8_t type, se05x_kind *kind, se05x_keypart *part, se05x_curve *curve)
{
    se05x_kind k = SE05X_KIND_UNKNOWN;
    se05x_keypart p = 0;
    se05x_curve c = SE05X_EC_NONE;
    switch (type) {
    case SE05X_TYPE_EC_KEY_PAIR: k = SE05X_KIND_EC; p = SE05X_PART_PAIR; break;
    case SE05X_TYPE_EC_PRIV: k = SE05X_KIND_EC; p = SE05X_PART_PRIVATE; break;
    case SE05X_TYPE_EC_PUB: k = SE05X_KIND_EC; p = SE05X_PART_PUBLIC; break;
    case SE05X_TYPE_RSA_KEY_PAIR:
    case SE05X_TYPE_RSA_KEY_PAIR_CRT: k = SE05X_KIND_RSA; p = SE05X_PART_PAIR; break;
    case SE05X_TYPE_RSA_PRIV:
    case SE05X_TYPE_RSA_PRIV_CRT: k = SE05X_KIND_RSA; p = SE05X_PART_PRIVATE; break;
    case SE05X_TYPE_RSA_PUB: k = SE05X_KIND_RSA; p = SE05X_PART_PUBLIC; break;
    case SE05X_TYPE_AES: k = SE05X_KIND_AES; break;
    case SE05X_TYPE_DES: k = SE05X_KIND_DES; break;
    case SE05X_TYPE_BINARY: k = SE05X_KIND_BINARY; break;
    case SE05X_TYPE_USERID: k = SE05X_KIND_USERID; break;
    case SE05X_TYPE_COUNTER: k = SE05X_KIND_COUNTER; break;
    case SE05X_TYPE_PCR: k = SE05X_KIND_PCR; break;
    case SE05X_TYPE_HMAC: k = SE05X_KIND_HMAC; break;
    default:
        c = se05x_curve_from_type7(type, &p);
        if (c != SE05X_EC_NONE)
            k = SE05X_KIND_EC;
        else
            p = 0;
        break;
    }
    if (kind)
        *kind = k;
    if (part)
        *part = p;
    if (curve)
        *curve = c;
}
