/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the command files: run a command built with the TLV
 * writer, parse single-TLV responses, map "not found". */
#include <string.h>

#include "cmd_util.h"

uint8_t se05x_write_ins(const struct se05x_write_opts *o)
{
    return (uint8_t)(SE05X_INS_WRITE | (o && o->transient ? SE05X_INS_TRANSIENT : 0));
}

se05x_rc se05x_bad_rsp(se05x_session *s, const char *what, se05x_objid id, const char *why)
{
    if (id)
        return se05x_fail(s, SE05X_E_PROTOCOL, 0, id, "%s of object 0x%08X on %s: malformed response (%s)",
                          what, id, se05x_conn(s), why);
    return se05x_fail(s, SE05X_E_PROTOCOL, 0, 0, "%s on %s: malformed response (%s)", what,
                      se05x_conn(s), why);
}

se05x_rc se05x_run(se05x_session *s, const char *what, se05x_objid id, uint8_t ins, uint8_t p1,
                   uint8_t p2, const struct tlv_w *w, bool extended,
                   uint8_t *rdata, size_t rcap, size_t *rlen)
{
    uint8_t none[4];
    size_t dummy = 0;
    if (w && !tlv_w_ok(w))
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: command data too long", what);
    struct se05x_apdu a = {
        .cla = SE05X_CLA, .ins = ins, .p1 = p1, .p2 = p2,
        .data = (w && w->len) ? w->buf : NULL, .len = w ? w->len : 0, .extended = extended,
    };
    if (!rlen)
        rlen = &dummy;
    *rlen = 0;
    se05x_rc rc = se05x_cmd(s, what, id, &a, rdata ? rdata : none, rdata ? rcap : sizeof none, rlen);
    if (rc == SE05X_OK && !rdata && *rlen)
        return se05x_bad_rsp(s, what, id, "unexpected response data");
    return rc;
}

se05x_rc se05x_rsp_one(se05x_session *s, const char *what, se05x_objid id, const uint8_t *r,
                       size_t rlen, uint8_t tag, const uint8_t **val, size_t *n)
{
    struct tlv_r rd;
    tlv_r_init(&rd, r, rlen);
    if (!tlv_get(&rd, tag, val, n))
        return se05x_bad_rsp(s, what, id, rlen ? "missing or truncated TLV" : "no data");
    if (tlv_r_left(&rd))
        return se05x_bad_rsp(s, what, id, "trailing bytes");
    return SE05X_OK;
}

se05x_rc se05x_rsp_fixed(se05x_session *s, const char *what, se05x_objid id, const uint8_t *r,
                         size_t rlen, uint8_t tag, size_t want, const uint8_t **val)
{
    size_t n;
    se05x_rc rc = se05x_rsp_one(s, what, id, r, rlen, tag, val, &n);
    if (rc)
        return rc;
    if (n != want)
        return se05x_bad_rsp(s, what, id, "unexpected value length");
    return SE05X_OK;
}

se05x_rc se05x_copy_out(se05x_session *s, const char *what, se05x_objid id, const uint8_t *v,
                        size_t n, uint8_t *out, size_t cap, size_t *len)
{
    if (n > cap)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id, "%s: output buffer too small (%zu < %zu bytes)",
                          what, cap, n);
    if (n)
        memcpy(out, v, n);
    if (len)
        *len = n;
    return SE05X_OK;
}

void se05x_reverse(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

/* ---- libcrypto fetches: default provider first (D8) ---- */

EVP_PKEY_CTX *se05x_ossl_pkey_ctx(const char *alg)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, alg, SE05X_OSSL_PROPQ);
    return c ? c : EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
}

EVP_MD *se05x_ossl_md(const char *name)
{
    EVP_MD *md = EVP_MD_fetch(NULL, name, SE05X_OSSL_PROPQ);
    return md ? md : EVP_MD_fetch(NULL, name, NULL);
}

EC_GROUP *se05x_ossl_group(int nid)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name_ex(NULL, SE05X_OSSL_PROPQ, nid);
    return g ? g : EC_GROUP_new_by_curve_name_ex(NULL, NULL, nid);
}

EVP_PKEY *se05x_ossl_raw_key(const char *alg, int priv, const uint8_t *k, size_t n)
{
    for (int i = 0; i < 2; i++) {
        const char *pq = i ? NULL : SE05X_OSSL_PROPQ;
        EVP_PKEY *pk = priv ? EVP_PKEY_new_raw_private_key_ex(NULL, alg, pq, k, n)
                            : EVP_PKEY_new_raw_public_key_ex(NULL, alg, pq, k, n);
        if (pk)
            return pk;
    }
    return NULL;
}

OSSL_DECODER_CTX *se05x_ossl_decoder(EVP_PKEY **pk, const char *input, int selection)
{
    for (int i = 0; i < 2; i++) {
        OSSL_DECODER_CTX *dc = OSSL_DECODER_CTX_new_for_pkey(pk, input, NULL, NULL, selection, NULL,
                                                             i ? NULL : SE05X_OSSL_PROPQ);
        if (dc && OSSL_DECODER_CTX_get_num_decoders(dc) > 0)
            return dc;
        OSSL_DECODER_CTX_free(dc);
    }
    return NULL;
}

OSSL_ENCODER_CTX *se05x_ossl_encoder(const EVP_PKEY *pk, int selection, const char *output,
                                     const char *structure)
{
    for (int i = 0; i < 2; i++) {
        OSSL_ENCODER_CTX *ec = OSSL_ENCODER_CTX_new_for_pkey(pk, selection, output, structure,
                                                             i ? NULL : SE05X_OSSL_PROPQ);
        if (ec && OSSL_ENCODER_CTX_get_num_encoders(ec) > 0)
            return ec;
        OSSL_ENCODER_CTX_free(ec);
    }
    return NULL;
}

/* ---- private library context (D8) ---- */

bool se05x_ossl_scope_enter(struct se05x_ossl_scope *sc)
{
    sc->prev = NULL;
    sc->dflt = NULL;
    sc->priv = OSSL_LIB_CTX_new(); /* reads no configuration: cannot load us */
    if (!sc->priv)
        return false;
    sc->dflt = OSSL_PROVIDER_load(sc->priv, "default");
    if (!sc->dflt) {
        OSSL_LIB_CTX_free(sc->priv);
        sc->priv = NULL;
        return false;
    }
    sc->prev = OSSL_LIB_CTX_set0_default(sc->priv);
    return true;
}

void se05x_ossl_scope_leave(struct se05x_ossl_scope *sc)
{
    if (!sc->priv)
        return;
    OSSL_LIB_CTX_set0_default(sc->prev);
    OSSL_PROVIDER_unload(sc->dflt);
    OSSL_LIB_CTX_free(sc->priv);
    sc->priv = NULL;
    sc->dflt = NULL;
}

se05x_rc se05x_verify_exchange(se05x_session *s, const char *what, se05x_objid id, uint8_t algo,
                               const uint8_t *data, size_t dlen, const uint8_t *sig, size_t siglen,
                               bool *valid)
{
    uint8_t cmd[SE05X_CMD_MAX], r[SE05X_RSP_MAX];
    size_t rlen;
    const uint8_t *v;
    struct tlv_w w;
    tlv_w_init(&w, cmd, sizeof cmd);
    tlv_put_u32(&w, SE05X_TAG_1, id);
    tlv_put_u8(&w, SE05X_TAG_2, algo);
    tlv_put(&w, SE05X_TAG_3, data, dlen);
    tlv_put(&w, SE05X_TAG_5, sig, siglen);
    se05x_rc rc = se05x_run(s, what, id, SE05X_INS_CRYPTO, SE05X_P1_SIGNATURE, SE05X_P2_VERIFY, &w,
                            false, r, sizeof r, &rlen);
    if (rc || (rc = se05x_rsp_fixed(s, what, id, r, rlen, SE05X_TAG_1, 1, &v)))
        return rc;
    if (v[0] != SE05X_RESULT_SUCCESS && v[0] != SE05X_RESULT_FAILURE)
        return se05x_bad_rsp(s, what, id, "result is neither 01 nor 02");
    *valid = v[0] == SE05X_RESULT_SUCCESS;
    return SE05X_OK;
}

se05x_rc se05x_read_asym_type(se05x_session *s, se05x_objid id, uint8_t *type, se05x_kind *kind,
                              se05x_keypart *part, se05x_curve *curve)
{
    uint8_t t = 0;
    se05x_kind k;
    se05x_keypart p;
    se05x_curve c;
    se05x_rc rc = se05x_read_type(s, id, &t, NULL);
    if (rc)
        return rc;
    se05x_type_decode(t, &k, &p, &c);
    if (k != SE05X_KIND_EC && k != SE05X_KIND_RSA)
        return se05x_fail(s, SE05X_E_WRONG_TYPE, 0, id, "object 0x%08X is not an EC or RSA key (type 0x%02X)",
                          id, t);
    if (type)
        *type = t;
    if (kind)
        *kind = k;
    if (part)
        *part = p;
    if (curve)
        *curve = c;
    return SE05X_OK;
}
