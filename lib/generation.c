/* SPDX-License-Identifier: Apache-2.0 */
/* See generation.h. The values: docs/protocol/apdu.md §22 (892 / 1024 payload),
 * §4.3 (TAG 4B on 7.x), §21 (DH_REVERSE), §12.2 (7.x policy bits); the chunk
 * sizes are ours (docs/lib.md "Chip generations"). */
#include "generation.h"

#include "cmd_util.h"

/* 3.x knows the bits 00001000..20000000 (IMPORT_EXPORT .. FORBID_ALL);
 * 7.x adds TLS_KDF/TLS_PMS (C0000000) and 00000008..00000800. */
#define POLICY_BITS_3X 0x3FFFF000u
#define POLICY_BITS_7X 0xFFFFFFF8u

static const struct se05x_generation gen3 = {
    .gen = 3,
    .payload_max = 892,
    .write_chunk = SE05X_BINARY_WRITE_CHUNK, /* 500, as the NXP host library */
    .read_chunk = 512,
    .version_tlv = false,
    .dh_reverse = false,
    .policy_bits = POLICY_BITS_3X,
};

/* 7.x: 900-byte chunks keep a chunk plus TLV headers, session wrapping and
 * SCP03 padding/MAC (about 60 bytes) under the 1024-byte payload. */
static const struct se05x_generation gen7 = {
    .gen = 7,
    .payload_max = 1024,
    .write_chunk = 900,
    .read_chunk = 900,
    .version_tlv = true,
    .dh_reverse = true,
    .policy_bits = POLICY_BITS_7X,
};

const struct se05x_generation *se05x_gen_of_major(unsigned major) { return major >= 7 ? &gen7 : &gen3; }

const struct se05x_generation *se05x_gen(const se05x_session *s)
{
    const struct se05x_applet_info *a = se05x_applet(s);
    return se05x_gen_of_major(a ? a->major : 3);
}

#define CFG_ECDSA 0x0002u
#define CFG_EDDSA 0x0004u
#define CFG_DH_MONT 0x0008u
#define CFG_RSA (0x0020u | 0x0040u)

const char *se05x_variant_guess(const struct se05x_applet_info *a)
{
    bool rsa = a->config & CFG_RSA, ecc = a->config & CFG_ECDSA;
    if (a->major >= 7)
        return rsa ? "SE051" : "SE050E";
    if (a->major == 3 && a->minor == 6)
        return "SE050F";
    if (rsa && ecc)
        return "SE050C";
    return rsa ? "SE050B" : "SE050A";
}

se05x_rc se05x_chip_features(const se05x_session *s, struct se05x_chip_features *out)
{
    const struct se05x_applet_info *a = se05x_applet(s);
    if (!s || !out || !a)
        return SE05X_E_BAD_ARG;
    const struct se05x_generation *g = se05x_gen_of_major(a->major);
    out->generation = g->gen;
    out->variant = se05x_variant_guess(a);
    out->max_payload = g->payload_max;
    out->rsa = (a->config & CFG_RSA) != 0;
    out->ecc = (a->config & CFG_ECDSA) != 0;
    out->eddsa = (a->config & CFG_EDDSA) != 0;
    out->x25519 = (a->config & CFG_DH_MONT) != 0;
    return SE05X_OK;
}

void se05x_put_version(const se05x_session *s, struct tlv_w *w)
{
    if (se05x_gen(s)->version_tlv)
        tlv_put_u32(w, SE05X_TAG_11, 0); /* docs/protocol/apdu.md §4.3 */
}

se05x_rc se05x_need_rsa(se05x_session *s, se05x_objid id, const char *what)
{
    struct se05x_chip_features f;
    /* Only a 7.x chip's AppletConfig is trusted for this: the 3.x values of
     * the A/B variants are not public (docs/protocol/open-questions.md A8). */
    if (se05x_chip_features(s, &f) != SE05X_OK || f.rsa || f.generation < 7)
        return SE05X_OK;
    return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id, "%s: %s has no RSA, use an EC key", what, f.variant);
}
