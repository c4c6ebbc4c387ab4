/* SPDX-License-Identifier: Apache-2.0 */
/* Key generation ON THE CHIP with a chosen object id (docs/protocol/compat.md §4, W15/R17):
 *   openssl genpkey -provider se05x -provider default -propquery provider=se05x \
 *       -algorithm EC -pkeyopt group:P-256 -pkeyopt se05x-id:0x7f000010
 *   NXP form: group name "prime256v1:0xEF000000"
 *   RSA: -algorithm RSA -pkeyopt bits:2048 -pkeyopt se05x-id:0x7f000011
 *        (NXP's programmatic form, rsa-factor2 = id, is accepted too)
 * Without an id the key is NOT made on the chip: OpenSSL asks us only
 * because this provider came first (e.g. libssl's ephemeral ECDHE keys), so
 * we make an ordinary software key with the default provider's code in our
 * private libctx (SXP_KEY.soft) and never touch the chip for it. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/objects.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include "sxp.h"

#define SXP_PARAM_ID "se05x-id"
#define SXP_PARAM_CONN "se05x-conn"

typedef struct {
    SXP_PROV *p;
    se05x_kind kind;
    int selection;
    se05x_curve curve;
    unsigned bits;
    se05x_objid id;
    int id_from_group;   /* id came from "<curve>:<id>" */
    SXP_KEY *reuse;      /* see SXP_KEY.from_group_id */
    char conn[SXP_CONN_MAX];
} SXP_GEN;

static int parse_id(SXP_GEN *g, const char *v)
{
    char *end = NULL;
    unsigned long long x;
    errno = 0;
    x = strtoull(v, &end, 0);
    if (errno != 0 || end == v || *end != '\0' || x == 0 || x > 0xFFFFFFFFull) {
        sxp_err(g->p, SXP_R_BAD_PARAM, "se05x: bad object id '%s' (expected e.g. 0x7f000010)", v);
        return 0;
    }
    g->id = (se05x_objid)x;
    return 1;
}

static se05x_curve curve_from_name(const char *n)
{
    int nid;
    se05x_curve c = se05x_curve_from_name(n);
    if (c != SE05X_EC_NONE)
        return c;
    nid = OBJ_sn2nid(n);
    if (nid == NID_undef)
        nid = OBJ_ln2nid(n);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(n);
    return nid == NID_undef ? SE05X_EC_NONE : se05x_curve_from_nid(nid);
}

void *sxp_gen_init(void *provctx, int selection, const OSSL_PARAM params[], se05x_kind kind)
{
    SXP_GEN *g = OPENSSL_zalloc(sizeof(*g));
    if (g == NULL)
        return NULL;
    g->p = provctx;
    g->kind = kind;
    g->selection = selection;
    g->curve = SE05X_EC_NIST_P256;
    g->bits = 2048;
    if (!sxp_gen_set_params(g, params)) {
        OPENSSL_free(g);
        return NULL;
    }
    return g;
}

int sxp_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
    SXP_GEN *g = genctx;
    const OSSL_PARAM *q;
    if (params == NULL)
        return 1;
    if ((q = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME)) != NULL) {
        const char *v = NULL;
        char name[64], *colon;
        if (!OSSL_PARAM_get_utf8_string_ptr(q, &v) || strlen(v) >= sizeof(name))
            return 0;
        strcpy(name, v);
        if ((colon = strchr(name, ':')) != NULL) { /* NXP: "<curve>:<keyid>" */
            *colon = '\0';
            if (!parse_id(g, colon + 1))
                return 0;
            g->id_from_group = 1;
        }
        if ((g->curve = curve_from_name(name)) == SE05X_EC_NONE) {
            sxp_err(g->p, SXP_R_BAD_PARAM, "se05x: unknown curve '%s'", name);
            return 0;
        }
    }
    if ((q = OSSL_PARAM_locate_const(params, SXP_PARAM_ID)) != NULL) {
        if (q->data_type == OSSL_PARAM_UTF8_STRING) {
            if (!parse_id(g, q->data))
                return 0;
        } else {
            uint32_t v = 0;
            if (!OSSL_PARAM_get_uint32(q, &v) || v == 0)
                return 0;
            g->id = v;
        }
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_FACTOR2)) != NULL) {
        BIGNUM *bn = NULL;
        if (OSSL_PARAM_get_BN(q, &bn) && BN_num_bits(bn) <= 32 && !BN_is_zero(bn))
            g->id = (se05x_objid)BN_get_word(bn);
        BN_free(bn);
    }
    if ((q = OSSL_PARAM_locate_const(params, SXP_PARAM_CONN)) != NULL) {
        const char *v = NULL;
        if (!OSSL_PARAM_get_utf8_string_ptr(q, &v) || strlen(v) >= sizeof(g->conn))
            return 0;
        strcpy(g->conn, v);
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS)) != NULL) {
        size_t b = 0;
        if (!OSSL_PARAM_get_size_t(q, &b))
            return 0;
        if (b != 1024 && b != 2048 && b != 3072 && b != 4096) {
            sxp_err(g->p, SXP_R_BAD_PARAM, "se05x: RSA size %zu not supported (1024..4096)", b);
            return 0;
        }
        g->bits = (unsigned)b;
    }
    if ((q = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E)) != NULL) {
        BIGNUM *bn = NULL;
        int ok = OSSL_PARAM_get_BN(q, &bn) && BN_is_word(bn, 65537);
        BN_free(bn);
        if (!ok) {
            sxp_err(g->p, SXP_R_BAD_PARAM, "se05x: the chip generates RSA keys with e = 65537 only");
            return 0;
        }
    }
    return 1;
}

const OSSL_PARAM *sxp_gen_settable_params(void *genctx, void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        OSSL_PARAM_utf8_string(SXP_PARAM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(SXP_PARAM_CONN, NULL, 0),
        OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_FACTOR2, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
        OSSL_PARAM_END
    };
    (void)genctx;
    (void)provctx;
    return t;
}

static void *gen_soft(SXP_GEN *g)
{
    int keypair = (g->selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(g->p->libctx,
                                                   g->kind == SE05X_KIND_EC ? "EC" : "RSA", NULL);
    EVP_PKEY *pk = NULL;
    SXP_KEY *k = NULL;
    int ok;
    if (ctx == NULL)
        return NULL;
    ok = keypair ? EVP_PKEY_keygen_init(ctx) > 0 : EVP_PKEY_paramgen_init(ctx) > 0;
    if (ok && g->kind == SE05X_KIND_EC)
        ok = EVP_PKEY_CTX_set_group_name(ctx, OBJ_nid2sn(se05x_curve_to_nid(g->curve))) > 0;
    else if (ok)
        ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)g->bits) > 0;
    if (ok)
        ok = keypair ? EVP_PKEY_keygen(ctx, &pk) > 0 : EVP_PKEY_paramgen(ctx, &pk) > 0;
    EVP_PKEY_CTX_free(ctx);
    if (!ok || (k = sxp_key_new(g->p, g->kind)) == NULL) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    k->soft = pk;
    k->curve = g->curve;
    k->gen_id = keypair ? 0 : g->id;
    if (!keypair)
        snprintf(k->conn, sizeof(k->conn), "%s", g->conn);
    k->public_only = !keypair;
    if (keypair) {
        EVP_PKEY_up_ref(pk);
        k->pub = pk;
    }
    return k;
}

int sxp_gen_set_template(void *genctx, void *templ)
{
    SXP_GEN *g = genctx;
    SXP_KEY *t = templ;
    if (t == NULL || t->kind != g->kind)
        return 0;
    if (t->kind == SE05X_KIND_EC && t->curve != SE05X_EC_NONE)
        g->curve = t->curve;
    if (t->kind == SE05X_KIND_RSA && sxp_key_info(t) != NULL)
        g->bits = (unsigned)EVP_PKEY_get_bits(sxp_key_info(t));
    if (t->chip && t->from_group_id && g->id == 0 && g->reuse == NULL) {
        g->reuse = sxp_key_ref(t);
        return 1;
    }
    if (t->gen_id != 0 && g->id == 0) { /* openssl ecparam -name prime256v1:<id> -genkey */
        g->id = t->gen_id;
        snprintf(g->conn, sizeof(g->conn), "%s", t->conn);
    }
    return 1;
}

void *sxp_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
    SXP_GEN *g = genctx;
    se05x_session *s;
    se05x_rc rc;
    SXP_KEY *k;
    (void)cb;
    (void)cbarg;
    if (g->reuse != NULL)
        return sxp_key_ref(g->reuse);
    if (g->id == 0 || !(g->selection & OSSL_KEYMGMT_SELECT_KEYPAIR))
        return gen_soft(g);
    if ((s = sxp_session(g->p, g->conn)) == NULL)
        return NULL;
    {
        /* Never replace a key silently: the chip would regenerate in place. */
        bool exists = false;
        if ((rc = se05x_object_exists(s, g->id, &exists)) != SE05X_OK) {
            sxp_session_end(g->p, s, rc, 1, "key generation", g->id);
            return NULL;
        }
        if (exists) {
            sxp_err(g->p, SXP_R_BAD_PARAM,
                    "se05x: object 0x%08X already exists on %s; delete it first (se05x erase)",
                    (unsigned)g->id, se05x_conn(s));
            sxp_session_end(g->p, s, SE05X_OK, 1, NULL, 0);
            return NULL;
        }
    }
    if (g->kind == SE05X_KIND_EC) {
        rc = se05x_ensure_curve(s, g->curve);
        if (rc == SE05X_OK)
            rc = se05x_ec_generate(s, g->id, g->curve, NULL);
    } else {
        rc = se05x_rsa_generate(s, g->id, g->bits, NULL);
    }
    /* no retry: a generation cut off by a dropped link may have happened */
    sxp_session_end(g->p, s, rc, 1, "key generation", g->id);
    if (rc != SE05X_OK)
        return NULL;
    se05x_log(SE05X_LOG_INFO, "provider", "generated key 0x%08X on the chip", (unsigned)g->id);
    k = sxp_key_from_chip(g->p, g->id, g->conn);
    if (k != NULL)
        k->from_group_id = g->id_from_group;
    return k;
}

void sxp_gen_cleanup(void *genctx)
{
    SXP_GEN *g = genctx;
    if (g == NULL)
        return;
    sxp_key_free(g->reuse);
    OPENSSL_free(g);
}
