/* SPDX-License-Identifier: Apache-2.0 */
/* The two applet generations (3.x and 7.x) as one table of named
 * differences (docs/lib.md "Chip generations", docs/protocol/apdu.md "Two applet
 * dialects", §4.3, §7, §12.2, §21, §22). The command layer is one code path
 * that asks this table; nothing is chosen at build time. Internal. */
#ifndef SE05X_GENERATION_H
#define SE05X_GENERATION_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "tlv.h"

struct se05x_generation {
    unsigned gen;            /* 3 or 7 */
    uint16_t payload_max;    /* command / response payload limit (§22) */
    uint16_t write_chunk;    /* WriteBinary data per APDU */
    uint16_t read_chunk;     /* ReadObject (binary) / GetRandom bytes per APDU */
    bool version_tlv;        /* WriteECKey / WriteRSAKey carry TAG 4B (object version) */
    bool dh_reverse;         /* X25519/X448 ECDH through P2 59: the applet reverses (§21) */
    uint32_t policy_bits;    /* access-rule bits the applet knows (§12.2) */
};

/* The generation of the opened chip (from its SELECT answer). Never NULL. */
const struct se05x_generation *se05x_gen(const se05x_session *s);
/* Per applet major version (tests). */
const struct se05x_generation *se05x_gen_of_major(unsigned major);
/* Variant guess of an applet answer (docs/lib.md "Chip generations"). */
const char *se05x_variant_guess(const struct se05x_applet_info *a);

/* Appends TAG 4B (object version, 4 bytes, value 0) to a WriteECKey /
 * WriteRSAKey when the generation has it (7.x); nothing on 3.x. */
void se05x_put_version(const se05x_session *s, struct tlv_w *w);

/* Fails with SE05X_E_UNSUPPORTED and "<what>: SE050E has no RSA, use an
 * EC key" when the chip lacks RSA; SE05X_OK otherwise. */
se05x_rc se05x_need_rsa(se05x_session *s, se05x_objid id, const char *what);

#endif
