/* SPDX-License-Identifier: Apache-2.0 */
/* See card_fixture.h. */
#include "card_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "sim_test_util.h"

/* Response scratch of read_pub (callers get the key copied into out). */
static uint8_t r[4096];
static size_t rl;

EVP_PKEY *ec_pub(const char *group, const uint8_t *pt, size_t n)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, n);
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pk = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    return pk;
}

/* Reads the public key of id (65 bytes for P-256). */
size_t read_pub(struct sim_card *c, uint32_t id, uint8_t *out)
{
    uint8_t d[6] = {0x41, 0x04, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    const uint8_t *v;
    size_t n;
    assert_int_equal(tu_cmd(c, 0x80, 0x02, 0x00, 0x00, d, 6, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &n));
    memcpy(out, v, n);
    return n;
}

void op_body(struct tlv_w *w, uint8_t *buf, size_t cap, uint32_t id, uint8_t algo, const void *in, size_t n)
{
    tlv_w_init(w, buf, cap);
    tlv_put_u32(w, 0x41, id);
    tlv_put_u8(w, 0x42, algo);
    tlv_put(w, 0x43, in, n);
    assert_true(tlv_w_ok(w));
}

uint16_t write_ec_key(struct sim_card *c, uint8_t p1, uint32_t id, uint8_t curve, const uint8_t *priv,
                      size_t privlen, const uint8_t *pub, size_t publen)
{
    uint8_t v[300];
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    tlv_put_u8(&w, 0x42, curve);
    if (priv)
        tlv_put(&w, 0x43, priv, privlen);
    if (pub)
        tlv_put(&w, 0x44, pub, publen);
    assert_true(tlv_w_ok(&w));
    return tu_cmd(c, 0x80, 0x01, p1, 0x00, v, w.len, NULL, NULL);
}

int verify_digest(EVP_PKEY *pk, const uint8_t *sig, size_t sl, const uint8_t *dg, size_t dl)
{
    EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(pk, NULL);
    assert_non_null(vctx);
    assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
    int ok = EVP_PKEY_verify(vctx, sig, sl, dg, dl);
    EVP_PKEY_CTX_free(vctx);
    return ok;
}

int verify_msg(EVP_PKEY *pk, const EVP_MD *md, int pss_saltlen, const uint8_t *sig, size_t sl, const uint8_t *msg,
               size_t ml)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_non_null(mctx);
    assert_int_equal(EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pk), 1);
    if (pss_saltlen >= 0) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_saltlen), 1);
    }
    int ok = EVP_DigestVerify(mctx, sig, sl, msg, ml);
    EVP_MD_CTX_free(mctx);
    return ok;
}

size_t attest_cmd_example(uint8_t *cmd, size_t cap, const uint8_t fresh[16])
{
    size_t n = test_hex("80 22 00 00 00 00 21 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 10", cmd, cap);
    assert_true(n + 18 <= cap);
    memcpy(cmd + n, fresh, 16);
    n += 16;
    cmd[n++] = 0;
    cmd[n++] = 0;
    return n;
}

size_t host_derive(EVP_PKEY *priv, EVP_PKEY *peer, uint8_t *out, size_t cap)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(priv, NULL);
    size_t n = cap;
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, out, &n), 1);
    EVP_PKEY_CTX_free(ctx);
    return n;
}

uint16_t export_blob(struct sim_card *c, uint32_t id, uint8_t comp, uint8_t *blob, size_t *bl)
{
    uint8_t v[16];
    struct tlv_w w;
    const uint8_t *p;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    tlv_put_u8(&w, 0x42, comp);
    uint16_t sw = tu_cmd(c, 0x80, 0x02, 0x00, 0x19, v, w.len, r, &rl);
    *bl = 0;
    if (sw == 0x9000) {
        assert_true(tu_tlv(r, rl, 0x41, &p, bl));
        memcpy(blob, p, *bl);
    }
    return sw;
}

uint16_t import_blob(struct sim_card *c, uint32_t id, uint8_t comp, const uint8_t *blob, size_t bl)
{
    uint8_t v[1200];
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, id);
    if (comp != 0xFF)
        tlv_put_u8(&w, 0x42, comp);
    tlv_put(&w, 0x43, blob, bl);
    return tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl);
}
