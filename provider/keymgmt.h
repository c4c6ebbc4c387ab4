/* SPDX-License-Identifier: Apache-2.0 */
/* Shared key management functions (keymgmt.c), wrapped per key type by
 * keymgmt_ec.c and keymgmt_rsa.c. */
#ifndef SXP_KEYMGMT_H
#define SXP_KEYMGMT_H
#include "sxp.h"

void *sxp_km_new(void *provctx, se05x_kind kind);
void sxp_km_free(void *keydata);
int sxp_km_has(const void *keydata, int selection);
int sxp_km_get_params(void *keydata, OSSL_PARAM params[]);
const OSSL_PARAM *sxp_km_gettable_params(void *provctx, se05x_kind kind);
int sxp_km_set_params(void *keydata, const OSSL_PARAM params[]);
const OSSL_PARAM *sxp_km_settable_params(void *provctx);
int sxp_km_import(void *keydata, int selection, const OSSL_PARAM params[], se05x_kind kind);
int sxp_km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg);
int sxp_km_match(const void *a, const void *b, int selection);
int sxp_km_validate(const void *keydata, int selection, int checktype);
void *sxp_km_load(const void *reference, size_t reference_sz);
void *sxp_km_dup(const void *keydata, int selection);

/* One dispatch table per key type; name = EC or RSA, K = the se05x_kind. */
#define SXP_KEYMGMT_TABLE(name, K, opname)                                                         \
    static void *name##_new(void *provctx) { return sxp_km_new(provctx, K); }                     \
    static const OSSL_PARAM *name##_gettable(void *provctx)                                        \
    {                                                                                              \
        return sxp_km_gettable_params(provctx, K);                                                 \
    }                                                                                              \
    static int name##_import(void *kd, int sel, const OSSL_PARAM p[])                              \
    {                                                                                              \
        return sxp_km_import(kd, sel, p, K);                                                       \
    }                                                                                              \
    static const OSSL_PARAM *name##_import_types(int sel) { (void)sel; return NULL; }              \
    static void *name##_gen_init(void *provctx, int sel, const OSSL_PARAM p[])                     \
    {                                                                                              \
        return sxp_gen_init(provctx, sel, p, K);                                                   \
    }                                                                                              \
    const OSSL_DISPATCH sxp_##name##_keymgmt_functions[] = {                                       \
        { OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))name##_new },                                     \
        { OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))sxp_km_free },                                   \
        { OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))sxp_km_has },                                     \
        { OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))sxp_km_get_params },                       \
        { OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))name##_gettable },                    \
        { OSSL_FUNC_KEYMGMT_SET_PARAMS, (void (*)(void))sxp_km_set_params },                       \
        { OSSL_FUNC_KEYMGMT_SETTABLE_PARAMS, (void (*)(void))sxp_km_settable_params },             \
        { OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))name##_import },                               \
        { OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))name##_import_types },                   \
        { OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))sxp_km_export },                               \
        { OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))name##_import_types },                   \
        { OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))sxp_km_match },                                 \
        { OSSL_FUNC_KEYMGMT_VALIDATE, (void (*)(void))sxp_km_validate },                           \
        { OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))sxp_km_load },                                   \
        { OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))sxp_km_dup },                                     \
        { OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))opname },                        \
        { OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))name##_gen_init },                           \
        { OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))sxp_gen_set_params },                  \
        { OSSL_FUNC_KEYMGMT_GEN_SET_TEMPLATE, (void (*)(void))sxp_gen_set_template },              \
        { OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))sxp_gen_settable_params },        \
        { OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))sxp_gen },                                        \
        { OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))sxp_gen_cleanup },                        \
        { 0, NULL }                                                                                \
    }

#endif
