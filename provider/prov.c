/* SPDX-License-Identifier: Apache-2.0 */
/* Provider entry point: OSSL_provider_init, parameters, algorithm query,
 * configuration, lazy per-connection sessions, teardown.
 * Loading the provider never touches the chip (docs/protocol/compat.md W1/R1/R3): the
 * first operation with a chip key opens the session (sxp_session). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>
#include "sxp.h"

#define SXP_VERSION "0.1.0"

static const OSSL_ALGORITHM sxp_keymgmt[] = {
    /* Same name sets as the default provider so names resolve to the same ids. */
    { "EC:id-ecPublicKey:1.2.840.10045.2.1", SXP_PROPS, sxp_ec_keymgmt_functions,
      "se05x EC keys (chip objects)" },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS, sxp_rsa_keymgmt_functions,
      "se05x RSA keys (chip objects)" },
    /* Only there so that the decoders of the same names are collected (see
     * SXP_DEC_EC); they never hold a key: our decoders hand over "EC"/"RSA". */
    { SXP_DEC_EC, SXP_PROPS, sxp_ec_keymgmt_functions, "se05x EC reference keys (decoder goal)" },
    { SXP_DEC_RSA, SXP_PROPS, sxp_rsa_keymgmt_functions, "se05x RSA reference keys (decoder goal)" },
    { NULL, NULL, NULL, NULL }
};
/* Signature, key exchange and cipher under our own names (SXP_OP_*) for the
 * keys of our keymgmt, and under the generic names for one case only: a
 * reference key that the default provider decoded (with our provider first,
 * an "EC PRIVATE KEY"/"RSA PRIVATE KEY" file read through OSSL_STORE or with
 * an explicit key type). OpenSSL then offers us the key by export; our
 * keymgmt's import takes reference keys and refuses every other key, so
 * OpenSSL falls back to the key's own provider (docs/provider.md). */
static const OSSL_ALGORITHM sxp_signature[] = {
    { SXP_OP_ECDSA, SXP_PROPS, sxp_ecdsa_signature_functions, "ECDSA in the se05x" },
    { SXP_OP_RSA, SXP_PROPS, sxp_rsa_signature_functions,
      "RSA PKCS#1 v1.5 / PSS signatures in the se05x" },
    { "ECDSA", SXP_PROPS, sxp_ecdsa_signature_functions, "ECDSA in the se05x (reference keys)" },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS, sxp_rsa_signature_functions,
      "RSA signatures in the se05x (reference keys)" },
    { NULL, NULL, NULL, NULL }
};
static const OSSL_ALGORITHM sxp_keyexch[] = {
    { SXP_OP_ECDH, SXP_PROPS, sxp_ecdh_keyexch_functions, "ECDH in the se05x" },
    { "ECDH", SXP_PROPS, sxp_ecdh_keyexch_functions, "ECDH in the se05x (reference keys)" },
    { NULL, NULL, NULL, NULL }
};
static const OSSL_ALGORITHM sxp_asym[] = {
    { SXP_OP_RSA, SXP_PROPS, sxp_rsa_asym_functions, "RSA decryption in the se05x" },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS, sxp_rsa_asym_functions,
      "RSA decryption in the se05x (reference keys)" },
    { NULL, NULL, NULL, NULL }
};
static const OSSL_ALGORITHM sxp_rand[] = {
    { "SE05X-RAND", SXP_PROPS, sxp_rand_functions, "se05x GetRandom" },
    { NULL, NULL, NULL, NULL }
};
/* With "rand = yes" in the config section the chip also answers for CTR-DRBG
 * (what NXP's provider does), for applications that cannot name a RAND. */
static const OSSL_ALGORITHM sxp_rand_ctr[] = {
    { "SE05X-RAND", SXP_PROPS, sxp_rand_functions, "se05x GetRandom" },
    { "CTR-DRBG", SXP_PROPS, sxp_rand_functions, "se05x GetRandom (rand = yes)" },
    { NULL, NULL, NULL, NULL }
};
static const OSSL_ALGORITHM sxp_store[] = {
    { "nxp", SXP_PROPS, sxp_store_functions, "nxp:0x<id> (NXP provider compatible)" },
    { "se05x", SXP_PROPS, sxp_store_functions, "se05x:<id>[?conn=<connection>]" },
    { NULL, NULL, NULL, NULL }
};
/* Decoders only claim reference keys; everything else is left to the
 * default provider. "structure" must match what pem2der announces. */
static const OSSL_ALGORITHM sxp_decoder[] = {
    { SXP_DEC_EC, SXP_PROPS ",input=der,structure=PrivateKeyInfo",
      sxp_dec_ec_functions, "se05x EC reference key (PKCS#8)" },
    { SXP_DEC_EC, SXP_PROPS ",input=der,structure=type-specific",
      sxp_dec_ec_functions, "se05x EC reference key (SEC1)" },
    { SXP_DEC_EC, SXP_PROPS ",input=der",
      sxp_dec_ec_functions, "se05x EC reference key" },
    { SXP_DEC_RSA, SXP_PROPS ",input=der,structure=PrivateKeyInfo",
      sxp_dec_rsa_functions, "se05x RSA reference key (PKCS#8)" },
    { SXP_DEC_RSA, SXP_PROPS ",input=der,structure=type-specific",
      sxp_dec_rsa_functions, "se05x RSA reference key (PKCS#1)" },
    { SXP_DEC_RSA, SXP_PROPS ",input=der",
      sxp_dec_rsa_functions, "se05x RSA reference key" },
    /* Under the type names too: OSSL_STORE and explicit key types ask only for
     * decoders of the type (tried first when the default provider is first). */
    { "EC:id-ecPublicKey:1.2.840.10045.2.1", SXP_PROPS ",input=der,structure=PrivateKeyInfo",
      sxp_dec_ec_functions, NULL },
    { "EC:id-ecPublicKey:1.2.840.10045.2.1", SXP_PROPS ",input=der,structure=type-specific",
      sxp_dec_ec_functions, NULL },
    { "EC:id-ecPublicKey:1.2.840.10045.2.1", SXP_PROPS ",input=der", sxp_dec_ec_functions, NULL },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS ",input=der,structure=PrivateKeyInfo",
      sxp_dec_rsa_functions, NULL },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS ",input=der,structure=type-specific",
      sxp_dec_rsa_functions, NULL },
    { "RSA:rsaEncryption:1.2.840.113549.1.1.1", SXP_PROPS ",input=der", sxp_dec_rsa_functions, NULL },
    /* See SXP_DEC_TAG: reads PEM before pem2der, hands over chip keys only. */
    { SXP_DEC_TAG, SXP_PROPS ",input=pem", sxp_dec_tag_functions, "se05x reference key (PEM)" },
    { NULL, NULL, NULL, NULL }
};
static const OSSL_ALGORITHM sxp_encoder[] = {
#define ECN "EC:id-ecPublicKey:1.2.840.10045.2.1"
#define RSAN "RSA:rsaEncryption:1.2.840.113549.1.1.1"
    { ECN, SXP_PROPS ",output=der,structure=SubjectPublicKeyInfo", sxp_enc_ec_spki_der_functions, NULL },
    { ECN, SXP_PROPS ",output=pem,structure=SubjectPublicKeyInfo", sxp_enc_ec_spki_pem_functions, NULL },
    { RSAN, SXP_PROPS ",output=der,structure=SubjectPublicKeyInfo", sxp_enc_rsa_spki_der_functions, NULL },
    { RSAN, SXP_PROPS ",output=pem,structure=SubjectPublicKeyInfo", sxp_enc_rsa_spki_pem_functions, NULL },
    { ECN, SXP_PROPS ",output=der,structure=PrivateKeyInfo", sxp_enc_ec_p8_der_functions, NULL },
    { ECN, SXP_PROPS ",output=pem,structure=PrivateKeyInfo", sxp_enc_ec_p8_pem_functions, NULL },
    { RSAN, SXP_PROPS ",output=der,structure=PrivateKeyInfo", sxp_enc_rsa_p8_der_functions, NULL },
    { RSAN, SXP_PROPS ",output=pem,structure=PrivateKeyInfo", sxp_enc_rsa_p8_pem_functions, NULL },
    { ECN, SXP_PROPS ",output=der,structure=type-specific", sxp_enc_ec_sec1_der_functions, NULL },
    { ECN, SXP_PROPS ",output=pem,structure=type-specific", sxp_enc_ec_sec1_pem_functions, NULL },
    { RSAN, SXP_PROPS ",output=der,structure=type-specific", sxp_enc_rsa_pkcs1_der_functions, NULL },
    { RSAN, SXP_PROPS ",output=pem,structure=type-specific", sxp_enc_rsa_pkcs1_pem_functions, NULL },
    { ECN, SXP_PROPS ",output=text", sxp_enc_ec_text_functions, NULL },
    { RSAN, SXP_PROPS ",output=text", sxp_enc_rsa_text_functions, NULL },
#undef ECN
#undef RSAN
    { NULL, NULL, NULL, NULL }
};

static const OSSL_ALGORITHM *sxp_query(void *provctx, int op, int *no_cache)
{
    SXP_PROV *p = provctx;
    *no_cache = 0;
    switch (op) {
    case OSSL_OP_KEYMGMT: return sxp_keymgmt;
    case OSSL_OP_SIGNATURE: return sxp_signature;
    case OSSL_OP_KEYEXCH: return sxp_keyexch;
    case OSSL_OP_ASYM_CIPHER: return sxp_asym;
    case OSSL_OP_RAND: return p->rand_enabled ? sxp_rand_ctr : sxp_rand;
    case OSSL_OP_STORE: return sxp_store;
    case OSSL_OP_DECODER: return sxp_decoder;
    case OSSL_OP_ENCODER: return sxp_encoder;
    default: return NULL;
    }
}

static const OSSL_PARAM *sxp_gettable_params(void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_NAME, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_VERSION, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_BUILDINFO, OSSL_PARAM_UTF8_PTR, NULL, 0),
        OSSL_PARAM_DEFN(OSSL_PROV_PARAM_STATUS, OSSL_PARAM_INTEGER, NULL, 0),
        OSSL_PARAM_END
    };
    (void)provctx;
    return t;
}

static int sxp_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *q;
    (void)provctx;
    if ((q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME)) != NULL
        && !OSSL_PARAM_set_utf8_ptr(q, "se05x provider (EdgeLock SE05x keys)"))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION)) != NULL
        && !OSSL_PARAM_set_utf8_ptr(q, SXP_VERSION))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO)) != NULL
        && !OSSL_PARAM_set_utf8_ptr(q, SXP_VERSION))
        return 0;
    if ((q = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS)) != NULL && !OSSL_PARAM_set_int(q, 1))
        return 0;
    return 1;
}

static const OSSL_ITEM *sxp_get_reason_strings(void *provctx)
{
    (void)provctx;
    return sxp_reason_strings();
}

static void sxp_teardown(void *provctx)
{
    SXP_PROV *p = provctx;
    if (p == NULL)
        return;
    /* In a forked child the pool leaves the parent's sessions alone. */
    se05x_pool_free(p->pool);
    OSSL_LIB_CTX_free(p->libctx);
    OSSL_LIB_CTX_free(p->corectx);
    OPENSSL_free(p);
}

/* The OpenSSL convention for truthy config values. */
static int sxp_truthy(const char *v)
{
    return v != NULL && (strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0
                         || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Reads our keys of the provider's config section ([se05x_sect] port = ...). */
static void sxp_read_config(SXP_PROV *p, OSSL_FUNC_core_get_params_fn *get_params)
{
    char *port = NULL, *rand = NULL;
    OSSL_PARAM q[3];
    if (get_params == NULL)
        return;
    q[0] = OSSL_PARAM_construct_utf8_ptr("port", &port, 0);
    q[1] = OSSL_PARAM_construct_utf8_ptr("rand", &rand, 0);
    q[2] = OSSL_PARAM_construct_end();
    if (!get_params(p->handle, q))
        return;
    if (port != NULL && *port != '\0')
        snprintf(p->port, sizeof(p->port), "%s", port);
    p->rand_enabled = sxp_truthy(rand);
}

/* Environment: SE05X_PROVIDER_RAND=yes does what "rand = yes" does, for
 * command lines without a config section (openssl rand -provider se05x). */
static void sxp_read_env(SXP_PROV *p)
{
    const char *r = getenv("SE05X_PROVIDER_RAND");
    if (r != NULL)
        p->rand_enabled = sxp_truthy(r);
}

static const OSSL_DISPATCH sxp_dispatch[] = {
    { OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))sxp_teardown },
    { OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))sxp_gettable_params },
    { OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))sxp_get_params },
    { OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))sxp_query },
    { OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))sxp_get_reason_strings },
    { OSSL_FUNC_PROVIDER_GET_CAPABILITIES, (void (*)(void))sxp_get_capabilities },
    { 0, NULL }
};

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx)
    __attribute__((visibility("default")));

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx)
{
    OSSL_FUNC_core_get_params_fn *get_params = NULL;
    SXP_PROV *p = OPENSSL_zalloc(sizeof(*p));
    if (p == NULL)
        return 0;
    p->handle = handle;
    for (const OSSL_DISPATCH *d = in; d->function_id != 0; d++) {
        switch (d->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS: get_params = OSSL_FUNC_core_get_params(d); break;
        case OSSL_FUNC_CORE_NEW_ERROR: p->up_new_error = OSSL_FUNC_core_new_error(d); break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            p->up_set_error_debug = OSSL_FUNC_core_set_error_debug(d);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR: p->up_vset_error = OSSL_FUNC_core_vset_error(d); break;
        default: break;
        }
    }
    {
        struct se05x_pool_opts po = {.size = sizeof(po), .name = "provider",
                                     .max_conns = SXP_MAX_SESSIONS};
        if (se05x_pool_new(&po, &p->pool, NULL) != SE05X_OK) { /* no chip access */
            OPENSSL_free(p);
            return 0;
        }
    }
    sxp_read_config(p, get_params);
    sxp_read_env(p);
    /* Core BIOs (decoders read through them) need a libctx made from the
     * dispatch table; all host crypto goes to a separate, plain libctx that
     * only ever sees the built-in default provider. Neither reads a config
     * file, so neither can load us again. Nothing here touches the chip. */
    p->corectx = OSSL_LIB_CTX_new_from_dispatch(handle, in);
    p->libctx = OSSL_LIB_CTX_new();
    if (p->corectx == NULL || p->libctx == NULL) {
        sxp_teardown(p);
        return 0;
    }
    *out = sxp_dispatch;
    *provctx = p;
    return 1;
}

/* ---- sessions: the lib's pool ---- */

se05x_session *sxp_session(SXP_PROV *p, const char *conn)
{
    se05x_session *s = NULL;
    struct se05x_error err;
    const char *want = conn != NULL && *conn ? conn : (p->port[0] ? p->port : NULL);
    se05x_rc rc;

    memset(&err, 0, sizeof(err));
    rc = se05x_pool_get(p->pool, want, &s, &err);
    if (rc != SE05X_OK) {
        char shown[SXP_CONN_MAX];
        if (want == NULL) /* name the connection the default resolved to */
            se05x_conn_resolve(NULL, shown, sizeof(shown));
        sxp_err(p, SXP_R_CHIP, "se05x: cannot open %s: %s",
                want != NULL ? want : (shown[0] ? shown : "the chip"),
                err.msg[0] ? err.msg : se05x_strerror(rc));
        return NULL;
    }
    return s;
}

int sxp_session_end(SXP_PROV *p, se05x_session *s, se05x_rc rc, int attempt, const char *what,
                    se05x_objid id)
{
    int again = se05x_pool_retry(rc, attempt);
    if (rc != SE05X_OK && !again)
        sxp_err_chip(p, s, rc, what, id); /* before the put: the detail is the session's */
    se05x_pool_put(p->pool, s, rc);
    return again;
}
