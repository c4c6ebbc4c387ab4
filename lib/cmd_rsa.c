/* SPDX-License-Identifier: Apache-2.0 */
/* WriteRSAKey (docs/protocol/apdu.md §4.3, §5): on-chip generation and the multi-APDU CRT
 * import. The import holds the session for all its APDUs; a half-written
 * new object is deleted again when a later APDU fails. */
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_util.h"
#include "generation.h"

static bool bits_ok(unsigned bits)
{
    return bits == 512 || bits == 1024 || bits == 1152 || bits == 2048 || bits == 3072 ||
           bits == 4096;
}

se05x_rc se05x_rsa_generate(se05x_session *s, se05x_objid id, unsigned bits,
                            const struct se05x_write_opts *o)
{
    uint8_t cmd[128];
    struct tlv_w w;
    if (!s)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = se05x_need_rsa(s, id, "WriteRSAKey (generate)");
    if (rc)
        return rc;
    if (!bits_ok(bits) || bits < 1024)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "RSA key size %u not supported (1024, 1152, 2048, 3072, 4096)", bits);
    if ((rc = se05x_write_start(s, &w, cmd, sizeof cmd, id, o)))
        return rc;
    tlv_put_u16(&w, SE05X_TAG_2, (uint16_t)bits);
    se05x_put_version(s, &w);
    return se05x_run(s, "WriteRSAKey (generate)", id, se05x_write_ins(o),
                     (uint8_t)(SE05X_P1_KEY_PAIR | SE05X_P1_RSA), SE05X_RSA_FORMAT_CRT, &w, false, NULL, 0, NULL);
}

struct comp {
    uint8_t tag;
    const char *name;
    const uint8_t *v;
    size_t n;
};

/* Strips leading zero bytes; docs/protocol/apdu.md §3.2 then wants one leading 00 for an
 * odd length. */
static void normalise(const uint8_t **v, size_t *n)
{
    while (*n > 1 && (*v)[0] == 0) {
        (*v)++;
        (*n)--;
    }
}

se05x_rc se05x_rsa_import(se05x_session *s, se05x_objid id, unsigned bits, se05x_keypart part,
                          const struct se05x_rsa_components *k, const struct se05x_write_opts *o)
{
    static const char what[] = "WriteRSAKey (import)";
    if (!s || !k)
        return SE05X_E_BAD_ARG;
    if (se05x_need_rsa(s, id, what))
        return SE05X_E_UNSUPPORTED;
    if (!bits_ok(bits))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "RSA key size %u not supported", bits);
    struct comp c[7];
    size_t nc = 0;
    if (part == SE05X_PART_PAIR || part == SE05X_PART_PRIVATE) {
        c[nc++] = (struct comp){SE05X_TAG_3, "p", k->p, k->p_len};
        c[nc++] = (struct comp){SE05X_TAG_4, "q", k->q, k->q_len};
        c[nc++] = (struct comp){SE05X_TAG_5, "dP", k->dp, k->dp_len};
        c[nc++] = (struct comp){SE05X_TAG_6, "dQ", k->dq, k->dq_len};
        c[nc++] = (struct comp){SE05X_TAG_7, "qInv", k->qinv, k->qinv_len};
    }
    if (part == SE05X_PART_PAIR || part == SE05X_PART_PUBLIC) {
        c[nc++] = (struct comp){SE05X_TAG_8, "e", k->e, k->e_len};
        c[nc++] = (struct comp){SE05X_TAG_10, "n", k->n, k->n_len};
    }
    if (!nc)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: bad key part 0x%02X", what, part);
    for (size_t i = 0; i < nc; i++) {
        if (!c[i].v || !c[i].n)
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: component %s missing", what, c[i].name);
        normalise(&c[i].v, &c[i].n);
        if (c[i].n > bits / 8)
            return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: component %s longer than the modulus",
                              what, c[i].name);
    }

    se05x_rc rc = se05x_txn_begin(s);
    if (rc)
        return rc;
    bool existed = true, created = false;
    uint8_t cmd[SE05X_CMD_MAX], val[4096 / 8 + 1];
    if ((rc = se05x_object_exists(s, id, &existed)))
        goto out;
    for (size_t i = 0; i < nc; i++) {
        struct tlv_w w;
        size_t vn = c[i].n;
        /* the first APDU carries the policy, the key part and the size */
        if ((rc = se05x_write_start(s, &w, cmd, sizeof cmd, id, i == 0 ? o : NULL)))
            goto out;
        uint8_t p1 = SE05X_P1_RSA;
        if (i == 0) {
            p1 |= (uint8_t)part;
            tlv_put_u16(&w, SE05X_TAG_2, (uint16_t)bits);
        }
        if (vn & 1) {
            val[0] = 0;
            memcpy(val + 1, c[i].v, vn++);
        } else {
            memcpy(val, c[i].v, vn);
        }
        tlv_put(&w, c[i].tag, val, vn);
        if (i == 0)
            se05x_put_version(s, &w);
        rc = se05x_run(s, what, id, se05x_write_ins(o), p1, SE05X_RSA_FORMAT_CRT, &w, false,
                       NULL, 0, NULL);
        OPENSSL_cleanse(cmd, w.len < sizeof cmd ? w.len : sizeof cmd);
        if (rc)
            goto out;
        created = !existed;
    }
out:
    OPENSSL_cleanse(val, sizeof val);
    if (rc && created)
        se05x_delete_half_written(s, id);
    se05x_txn_end(s);
    return rc;
}
