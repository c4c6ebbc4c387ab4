/* SPDX-License-Identifier: Apache-2.0 */
/* Random and mutated responses for every command: the command layer must
 * return (success or an error with a message), never crash, hang or read
 * outside its buffers (run under ASan in CI). Deterministic seed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

#define ITER 400

struct fuzz_link {
    struct se05x_link link;
    unsigned seed;
    unsigned calls;
};

static unsigned rnd(struct fuzz_link *f)
{
    f->seed = f->seed * 1103515245u + 12345u;
    return f->seed >> 8;
}

/* Mostly well-formed TLV answers with random lengths/values (to get past the
 * first checks), sometimes pure noise; always a 9000 at the end. */
static se05x_rc fz_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r,
                              size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct fuzz_link *f = (struct fuzz_link *)l;
    (void)c;
    (void)clen;
    (void)err;
    size_t n = 0, cap = rcap < 1200 ? rcap : 1200;
    unsigned mode = rnd(f) % 4;
    if (++f->calls > 4000) { /* a command that loops would end here */
        r[0] = 0x6F;
        r[1] = 0x00;
        *rlen = 2;
        return SE05X_OK;
    }
    if (mode == 1) { /* one plausible 41 TLV, sometimes followed by 42 01 xx */
        static const size_t lens[] = {1, 2, 4, 7, 8, 17, 18, 32, 40, 65};
        size_t vl = lens[rnd(f) % 10];
        r[n++] = 0x41;
        if (rnd(f) % 2) {
            r[n++] = (uint8_t)vl;
        } else {
            r[n++] = 0x82;
            r[n++] = 0;
            r[n++] = (uint8_t)vl;
        }
        for (size_t i = 0; i < vl; i++)
            r[n++] = (uint8_t)(1 + rnd(f) % 2);
        if (rnd(f) % 3 == 0) {
            r[n++] = 0x42;
            r[n++] = 1;
            r[n++] = (uint8_t)(1 + rnd(f) % 2);
        }
    } else if (mode == 0) { /* noise */
        n = rnd(f) % 300;
        for (size_t i = 0; i < n; i++)
            r[i] = (uint8_t)rnd(f);
    } else { /* 1..3 TLVs with tags 41..44, random length forms */
        unsigned k = 1 + rnd(f) % 3;
        for (unsigned t = 0; t < k && n + 300 < cap; t++) {
            size_t vl = rnd(f) % (rnd(f) % 2 ? 8 : 260);
            r[n++] = (uint8_t)(0x41 + rnd(f) % 4);
            switch (rnd(f) % 4) {
            case 0: r[n++] = (uint8_t)(vl & 0x7F); vl &= 0x7F; break;
            case 1: r[n++] = 0x81; r[n++] = (uint8_t)vl; vl &= 0xFF; break;
            case 2: r[n++] = 0x82; r[n++] = (uint8_t)(vl >> 8); r[n++] = (uint8_t)vl; break;
            default: /* lie about the length */
                r[n++] = 0x82; r[n++] = (uint8_t)rnd(f); r[n++] = (uint8_t)rnd(f); vl = rnd(f) % 16; break;
            }
            for (size_t i = 0; i < vl; i++)
                r[n++] = (uint8_t)(rnd(f) % 3 == 0 ? rnd(f) : (i == 0 ? 0x02 : 0x01));
        }
    }
    r[n++] = 0x90;
    r[n++] = 0x00;
    *rlen = n;
    return SE05X_OK;
}

static void fz_close(struct se05x_link *l) { (void)l; }
static const struct se05x_link_ops fz_ops = {.name = "fuzz", .transceive = fz_transceive, .close = fz_close};

static void t_fuzz(void **state)
{
    (void)state;
    struct fuzz_link f = {.link = {.ops = &fz_ops}, .seed = 20260101u};
    se05x_session *s = NULL;
    assert_int_equal(se05x_session_from_link(&f.link, "fuzz", false, &s, NULL), SE05X_OK);
    uint8_t buf[600], uid[18], set[17], dg[66];
    size_t n;
    bool b;
    uint8_t t;
    uint16_t v;
    se05x_objid ids[64];
    memset(dg, 0x33, sizeof dg);
    unsigned oks = 0;
    for (int i = 0; i < ITER; i++) {
        struct se05x_applet_info ai;
        struct se05x_object_info oi;
        se05x_objid *all = NULL;
        uint8_t *bin = NULL;
        EVP_PKEY *pk = NULL;
        char *pem = NULL;
        se05x_curve c;
        f.calls = 0;
        oks += se05x_get_version(s, &ai) == SE05X_OK;
        (void)se05x_get_random(s, buf, 40);
        oks += se05x_get_free_memory(s, SE05X_MEMORY_PERSISTENT, &v) == SE05X_OK;
        oks += se05x_object_exists(s, 1, &b) == SE05X_OK;
        oks += se05x_read_type(s, 1, &t, &b) == SE05X_OK;
        oks += se05x_read_size(s, 1, &v) == SE05X_OK;
        oks += se05x_read_id_list(s, 0, 0xFF, ids, 64, &n, &b) == SE05X_OK;
        if (se05x_list_objects(s, 0xFF, &all, &n) == SE05X_OK)
            free(all);
        (void)se05x_object_info(s, 1, &oi);
        oks += se05x_read_object(s, 1, 0, 0, buf, sizeof buf, &n) == SE05X_OK;
        (void)se05x_read_rsa_component(s, 1, 0, buf, sizeof buf, &n);
        if (se05x_read_binary(s, 1, &bin, &n) == SE05X_OK)
            free(bin);
        (void)se05x_read_uid(s, uid);
        (void)se05x_read_curve_list(s, set);
        se05x_curve_cache_set(s, SE05X_EC_NIST_P256, false);
        (void)se05x_ensure_curve(s, SE05X_EC_NIST_P256);
        (void)se05x_get_curve_id(s, 1, &c);
        (void)se05x_ecdsa_sign_digest(s, 1, dg, 32, buf, sizeof buf, &n);
        (void)se05x_ecdsa_sign_digest(s, 1, dg, 17, buf, sizeof buf, &n);
        (void)se05x_ecdsa_verify(s, 1, SE05X_MD_SHA256, dg, 32, dg, 8, &b);
        (void)se05x_ecdh(s, 1, dg, 65, buf, sizeof buf, &n);
        (void)se05x_rsa_sign(s, 1, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, dg, 5, buf, sizeof buf, &n);
        (void)se05x_rsa_sign_digest(s, 1, 1024, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0, dg, 32, buf,
                                    sizeof buf, &n);
        (void)se05x_rsa_decrypt(s, 1, SE05X_RSA_PAD_NONE, dg, 64, buf, sizeof buf, &n);
        (void)se05x_write_binary(s, 1, buf, 520, NULL);
        (void)se05x_reset_objects(s, &n);
        if (se05x_read_pubkey(s, 1, &pk) == SE05X_OK)
            EVP_PKEY_free(pk);
        if (se05x_refkey_from_chip(s, 1, SE05X_REFKEY_PKCS8, &pem, &n) == SE05X_OK)
            free(pem);
        assert_true(f.calls <= 4000);
    }
    /* the generator must get past the first checks often enough */
    print_message("%u of %u probe calls succeeded\n", oks, 7u * ITER);
    assert_true(oks > 50);
    se05x_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(t_fuzz)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
