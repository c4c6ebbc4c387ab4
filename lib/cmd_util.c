/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the command files: run a command built with the TLV
 * writer, parse single-TLV responses, map "not found", check the chip's
 * answers before they are returned (docs/verify-after-sign.md). */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "cmd_util.h"
#include "generation.h"
#include "session_priv.h"

uint8_t se05x_write_ins(const struct se05x_write_opts *o)
{
    return (uint8_t)(SE05X_INS_WRITE | (o && o->transient ? SE05X_INS_TRANSIENT : 0));
}

se05x_rc se05x_write_start(se05x_session *s, struct tlv_w *w, uint8_t *buf, size_t cap, se05x_objid id,
                           const struct se05x_write_opts *o)
{
    tlv_w_init(w, buf, cap);
    se05x_rc rc = se05x_policy_put(s, w, o);
    if (rc)
        return rc;
    tlv_put_u32(w, SE05X_TAG_1, id);
    return SE05X_OK;
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
    const struct se05x_generation *g = se05x_gen(s);
    if (w && w->len > g->payload_max) /* docs/protocol/apdu.md §22 */
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, id,
                          "%s: %zu bytes of command data exceed the %u-byte APDU payload of applet %u.x", what,
                          w->len, g->payload_max, g->gen);
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

se05x_rc se05x_read_pub_type(se05x_session *s, se05x_objid id, se05x_kind *kind, se05x_keypart *part,
                             se05x_curve *curve, const char *why)
{
    se05x_keypart p;
    se05x_rc rc = se05x_read_asym_type(s, id, NULL, kind, &p, curve);
    if (rc)
        return rc;
    if (p == SE05X_PART_PRIVATE)
        return se05x_fail(s, SE05X_E_WRONG_TYPE, 0, id, "object 0x%08X holds a private key only; %s", id, why);
    if (part)
        *part = p;
    return SE05X_OK;
}

se05x_rc se05x_ec_curve_of(se05x_session *s, se05x_objid id, se05x_curve *c)
{
    se05x_rc rc;
    if (*c == SE05X_EC_NONE && (rc = se05x_get_curve_id(s, id, c)))
        return rc;
    if (!se05x_curve_bytes(*c))
        return se05x_fail(s, SE05X_E_UNSUPPORTED, 0, id, "object 0x%08X uses unsupported curve 0x%02X", id, *c);
    return SE05X_OK;
}

/* ---- checking the chip's answers (docs/verify-after-sign.md) ---- */

/* libcrypto context on pk: default provider first (D8), else the key's own. */
static EVP_PKEY_CTX *check_ctx(EVP_PKEY *pk, bool verify)
{
    for (int i = 0; i < 2; i++) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, i ? NULL : SE05X_OSSL_PROPQ);
        if (c && (verify ? EVP_PKEY_verify_init(c) : EVP_PKEY_encrypt_init(c)) == 1)
            return c;
        EVP_PKEY_CTX_free(c);
    }
    return NULL;
}

int se05x_host_verify(EVP_PKEY *pk, const struct se05x_host_sig *v)
{
    int t = EVP_PKEY_get_base_id(pk);
    if (v->kind == SE05X_HOST_ECDSA ? t != EVP_PKEY_EC : t != EVP_PKEY_RSA && t != EVP_PKEY_RSA_PSS)
        return 0; /* a key of the other type cannot have made this answer */
    int ok = -1;
    ERR_set_mark();
    EVP_PKEY_CTX *c = check_ctx(pk, v->kind != SE05X_HOST_RAW_RSA);
    if (!c)
        goto out;
    if (v->kind == SE05X_HOST_RAW_RSA) {
        /* m^e mod n must give the chip's input back */
        uint8_t buf[512];
        size_t n = sizeof buf;
        size_t k = (size_t)EVP_PKEY_get_size(pk);
        if (EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) != 1 || k > sizeof buf)
            goto out;
        if (v->siglen > k) {
            ok = 0; /* longer than the modulus: not an RSA result */
            goto out;
        }
        uint8_t m[512];
        memset(m, 0, k - v->siglen);
        memcpy(m + (k - v->siglen), v->sig, v->siglen);
        if (EVP_PKEY_encrypt(c, buf, &n, m, k) != 1 || n != k || v->tbslen > k) {
            ok = 0; /* m >= n: not an RSA result */
        } else { /* as integers: tbs may be shorter than k */
            uint8_t acc = 0;
            for (size_t i = 0; i < k - v->tbslen; i++)
                acc |= buf[i];
            ok = acc == 0 && CRYPTO_memcmp(buf + (k - v->tbslen), v->tbs, v->tbslen) == 0;
        }
        OPENSSL_cleanse(m, sizeof m);
        OPENSSL_cleanse(buf, sizeof buf);
        goto out;
    }
    if (v->kind == SE05X_HOST_RSA) {
        EVP_MD *md = NULL;
        if (EVP_PKEY_CTX_set_rsa_padding(c, v->pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) != 1)
            goto out;
        if (v->mdname && (!(md = se05x_ossl_md(v->mdname)) || EVP_PKEY_CTX_set_signature_md(c, md) != 1)) {
            EVP_MD_free(md);
            goto out;
        }
        EVP_MD_free(md);
        if (v->pss && EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_AUTO) != 1)
            goto out;
    }
    /* libcrypto answers 0 or -1 for a bad or malformed signature alike */
    ok = EVP_PKEY_verify(c, v->sig, v->siglen, v->tbs, v->tbslen) == 1;
out:
    EVP_PKEY_CTX_free(c);
    ERR_pop_to_mark();
    return ok;
}

/* Same public key? EC: curve and point; RSA: n and e. */
static bool same_public(const EVP_PKEY *a, const EVP_PKEY *b)
{
    int t = EVP_PKEY_get_base_id(a);
    if (t != EVP_PKEY_get_base_id(b))
        return false;
    static const char *const ec[] = {OSSL_PKEY_PARAM_EC_PUB_X, OSSL_PKEY_PARAM_EC_PUB_Y};
    static const char *const rsa[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E};
    const char *const *names = t == EVP_PKEY_EC ? ec : t == EVP_PKEY_RSA ? rsa : NULL;
    if (!names)
        return EVP_PKEY_eq(a, b) == 1;
    if (t == EVP_PKEY_EC) {
        char ga[64] = "", gb[64] = "";
        if (EVP_PKEY_get_utf8_string_param(a, OSSL_PKEY_PARAM_GROUP_NAME, ga, sizeof ga, NULL) != 1 ||
            EVP_PKEY_get_utf8_string_param(b, OSSL_PKEY_PARAM_GROUP_NAME, gb, sizeof gb, NULL) != 1 ||
            OBJ_sn2nid(ga) != OBJ_sn2nid(gb))
            return false;
    }
    bool same = true;
    for (int i = 0; i < 2 && same; i++) {
        BIGNUM *x = NULL, *y = NULL;
        same = EVP_PKEY_get_bn_param(a, names[i], &x) == 1 && EVP_PKEY_get_bn_param(b, names[i], &y) == 1 &&
               BN_cmp(x, y) == 0;
        BN_free(x);
        BN_free(y);
    }
    return same;
}

se05x_rc se05x_check_answer(se05x_session *s, const char *what, se05x_objid id, const struct se05x_check *ck,
                            const struct se05x_host_sig *v)
{
    const char *noun = v->kind == SE05X_HOST_RAW_RSA && !v->is_sig ? "RSA decryption result"
                                                                   : "signature";
    if ((ck && ck->off) || !se05x_checks_on(s))
        return SE05X_OK;
    bool from_caller = ck && ck->pub;
    EVP_PKEY *exp = from_caller ? (EVP_PKEY *)ck->pub : se05x_pubcache_get(s, id);
    se05x_rc rc;
    if (!exp) {
        /* cold start: one public-key read (it fills the cache) */
        if ((rc = se05x_read_pubkey(s, id, &exp))) {
            struct se05x_error e;
            se05x_last_error(s, &e);
            return se05x_fail(s, rc, e.sw, id,
                              "%s of object 0x%08X on %s: cannot check the %s from the chip: its public key "
                              "is not readable (%s); give the reference key file or turn checks off",
                              what, id, se05x_conn(s), noun, e.msg);
        }
    }
    int ok = se05x_host_verify(exp, v);
    if (ok == 1) {
        if (!from_caller)
            EVP_PKEY_free(exp);
        return SE05X_OK;
    }
    if (ok < 0) {
        if (!from_caller)
            EVP_PKEY_free(exp);
        return se05x_fail(s, SE05X_E_CRYPTO, 0, id, "%s of object 0x%08X: host cannot verify the %s (libcrypto)",
                          what, id, noun);
    }
    /* Why? Read the chip's key once more (not from the cache). */
    EVP_PKEY *chip = NULL;
    rc = se05x_read_pubkey(s, id, &chip);
    if (rc) {
        if (!from_caller)
            EVP_PKEY_free(exp);
        struct se05x_error e;
        se05x_last_error(s, &e);
        return se05x_fail(s, SE05X_E_PROTOCOL, 0, id,
                          "%s of object 0x%08X on %s: %s from the chip failed verification: bad answer from "
                          "chip or link (and its public key could not be read: %s)",
                          what, id, se05x_conn(s), noun, e.msg);
    }
    bool same = same_public(exp, chip);
    if (!from_caller)
        EVP_PKEY_free(exp);
    if (!same && from_caller) {
        EVP_PKEY_free(chip);
        return se05x_fail(s, SE05X_E_KEY_MISMATCH, 0, id, "%s on %s: %s does not match the key in 0x%08X: regenerated?",
                          what, se05x_conn(s), ck->pub_source ? ck->pub_source : "reference key file", id);
    }
    if (!same && se05x_host_verify(chip, v) == 1) {
        /* our cached copy was stale (the key was replaced by someone else) */
        se05x_log(SE05X_LOG_INFO, "lib", "%s: key 0x%08X changed on %s since it was cached; checked with the new key",
                  what, id, se05x_conn(s));
        EVP_PKEY_free(chip);
        return SE05X_OK;
    }
    EVP_PKEY_free(chip);
    return se05x_fail(s, SE05X_E_PROTOCOL, 0, id,
                      "%s of object 0x%08X on %s: %s from the chip failed verification: bad answer from chip or link",
                      what, id, se05x_conn(s), noun);
}

/* The public names of <se05x/types.h> are the protocol's values. */
_Static_assert(SE05X_FILTER_ALL == SE05X_TYPE_ALL && SE05X_FILTER_EC_KEY_PAIR == SE05X_TYPE_EC_KEY_PAIR &&
                   SE05X_FILTER_RSA_PUBLIC == SE05X_TYPE_RSA_PUB && SE05X_FILTER_BINARY == SE05X_TYPE_BINARY &&
                   SE05X_FILTER_HMAC == SE05X_TYPE_HMAC && SE05X_FILTER_CURVE == SE05X_TYPE_CURVE &&
                   SE05X_FILTER_PCR == SE05X_TYPE_PCR,
               "object filters match ReadIDList's type filter");
_Static_assert(SE05X_RSA_COMPONENT_MODULUS == SE05X_RSA_COMP_MOD &&
                   SE05X_RSA_COMPONENT_PUBLIC_EXPONENT == SE05X_RSA_COMP_PUB_EXP &&
                   SE05X_RSA_COMPONENT_PRIVATE_EXPONENT == SE05X_RSA_COMP_PRIV_EXP &&
                   SE05X_RSA_COMPONENT_QINV == SE05X_RSA_COMP_INVQ,
               "RSA component names match ReadRSA's attribute");
