/* SPDX-License-Identifier: Apache-2.0 */
/* Emulator card core, RSA keys: generation, sign/verify, OAEP/PKCS#1/no-pad
 * encryption, CRT
 * multi-APDU import and RAW import, verified with libcrypto.
 * (Split from the former test_sim_card.c; shared helpers in card_fixture.h.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "card_fixture.h"
#include "sim_test_util.h"
#include "tlv.h"
#include "testkeys.h"

static uint8_t r[4096];
static size_t rl;

/* The big-number parameter `name` of k into out: padded to pad bytes, or in
 * its minimal length when pad is 0. Returns the length written. */
static int bn_param(EVP_PKEY *k, const char *name, uint8_t *out, int pad)
{
    BIGNUM *bn = NULL;
    assert_true(EVP_PKEY_get_bn_param(k, name, &bn));
    int len = pad ? BN_bn2binpad(bn, out, pad) : BN_bn2bin(bn, out);
    BN_free(bn);
    assert_true(len > 0);
    return len;
}

static void test_rsa(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* generate RSA-2048 (CRT) */
    assert_int_equal(tu_apdu(c, "80 01 62 00 0A 41 04 7F 00 00 60 42 02 08 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 60", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x05);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 60", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x01\x00", 4);
    /* modulus and exponent through TAG 44; private components refused */
    uint8_t nbuf[300], ebuf[8];
    const uint8_t *v;
    size_t vl;
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 09 41 04 7F 00 00 60 44 01 00 00 00", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_int_equal(vl, 256);
    memcpy(nbuf, v, 256);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 60 44 01 01", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_int_equal(vl, 3);
    memcpy(ebuf, v, 3);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 60 44 01 02", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 60 44 01 03", r, &rl), 0x6985);
    BIGNUM *bn_n = BN_bin2bn(nbuf, 256, NULL), *bn_e = BN_bin2bn(ebuf, 3, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn_n);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, bn_e);
    OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *fctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pk = NULL;
    EVP_PKEY_fromdata_init(fctx);
    assert_int_equal(EVP_PKEY_fromdata(fctx, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);

    /* RSASign SHA-256 PKCS#1 v1.5 over a message (the applet hashes) */
    uint8_t msg[100], cmdv[600];
    RAND_bytes(msg, sizeof msg);
    struct tlv_w w;
    for (int pss = 0; pss < 2; pss++) {
        op_body(&w, cmdv, sizeof cmdv, 0x7F000060, pss ? 0x2C : 0x28, msg, sizeof msg);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, cmdv, w.len, r, &rl), 0x9000);
        assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
        assert_int_equal(vl, 256);
        uint8_t sig[256];
        memcpy(sig, v, 256);
        assert_int_equal(verify_msg(pk, EVP_sha256(), pss ? 32 : -1, sig, 256, msg, sizeof msg), 1);
        /* RSAVerify on the card */
        tlv_put(&w, 0x45, sig, 256);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, cmdv, w.len, r, &rl), 0x9000);
        assert_memory_equal(r, "\x41\x01\x01", 3);
        cmdv[w.len - 1] ^= 1;
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, cmdv, w.len, r, &rl), 0x9000);
        assert_memory_equal(r, "\x41\x01\x02", 3);
    }
    /* encrypt (OAEP, PKCS1) on the card, decrypt on the card */
    for (int algo = 0; algo < 2; algo++) {
        uint8_t a = algo ? 0x0F : 0x0A;
        op_body(&w, cmdv, sizeof cmdv, 0x7F000060, a, msg, 32);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x02, 0x37, cmdv, w.len, r, &rl), 0x9000);
        assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
        uint8_t ct[256];
        memcpy(ct, v, 256);
        op_body(&w, cmdv, sizeof cmdv, 0x7F000060, a, ct, 256);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x02, 0x38, cmdv, w.len, r, &rl), 0x9000);
        assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
        assert_int_equal(vl, 32);
        assert_memory_equal(v, msg, 32);
    }
    /* NO_PAD decrypt of a host-padded PKCS#1 block = the host library's digest sign */
    uint8_t em[256];
    memset(em, 0xFF, sizeof em);
    em[0] = 0;
    em[1] = 1;
    em[200] = 0;
    op_body(&w, cmdv, sizeof cmdv, 0x7F000060, 0x0C, em, 256);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x02, 0x38, cmdv, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    uint8_t sig[256];
    memcpy(sig, v, 256);
    EVP_PKEY_CTX *ectx = EVP_PKEY_CTX_new(pk, NULL);
    uint8_t back[256];
    size_t bl = sizeof back;
    EVP_PKEY_encrypt_init(ectx);
    EVP_PKEY_CTX_set_rsa_padding(ectx, RSA_NO_PADDING);
    assert_int_equal(EVP_PKEY_encrypt(ectx, back, &bl, sig, 256), 1);
    assert_memory_equal(back, em, 256);
    EVP_PKEY_CTX_free(ectx);
    /* NO_PAD with a wrong length */
    op_body(&w, cmdv, sizeof cmdv, 0x7F000060, 0x0C, em, 255);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x02, 0x38, cmdv, w.len, r, &rl), 0x6A80);
    /* wrong key sizes */
    assert_int_equal(tu_apdu(c, "80 01 62 00 0A 41 04 7F 00 00 61 42 02 08 01", r, &rl), 0x6A80);
    EVP_PKEY_CTX_free(fctx);
    EVP_PKEY_free(pk);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn_n);
    BN_free(bn_e);
    sim_card_close(c);
}

/* §5 multi-APDU CRT import: one component per APDU, P1 02 after the first;
 * the policy applies only once every component is set. */
static void test_rsa_import(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    EVP_PKEY *host = test_rsa_key(1024, 0);
    static const char *names[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                                  OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                  OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_E,
                                  OSSL_PKEY_PARAM_RSA_N};
    static const uint8_t tags[] = {0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x4A};
    uint8_t cmdv[400], comp[300];
    struct tlv_w w;
    for (int i = 0; i < 7; i++) {
        int len = bn_param(host, names[i], comp + 1, 0);
        comp[0] = 0; /* a leading zero, as hosts add for odd lengths */
        tlv_w_init(&w, cmdv, sizeof cmdv);
        if (i == 0) /* SIGN only: but policies wait for the last component */
            tlv_put(&w, 0x11, "\x08\x00\x00\x00\x00\x10\x00\x00\x00", 9);
        tlv_put_u32(&w, 0x41, 0x7F000070);
        if (i == 0)
            tlv_put_u16(&w, 0x42, 1024);
        tlv_put(&w, tags[i], comp, (size_t)len + 1);
        assert_int_equal(tu_cmd(c, 0x80, 0x01, i == 0 ? 0x62 : 0x02, 0x00, cmdv, w.len, r, &rl), 0x9000);
        if (i == 2) {
            /* incomplete: not usable yet; a RAW component is refused (CRT fixed) */
            assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 70 44 01 00", r, &rl), 0x6985);
            assert_int_equal(tu_apdu(c, "80 01 02 00 0B 41 04 7F 00 00 70 49 03 01 02 03", r, &rl), 0x6A80);
        }
    }
    /* complete now: SIGN allowed, READ denied by the policy */
    uint8_t msg[20] = {1, 2, 3};
    op_body(&w, cmdv, sizeof cmdv, 0x7F000070, 0x28, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, cmdv, w.len, r, &rl), 0x9000);
    const uint8_t *v;
    size_t vl;
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    assert_int_equal(verify_msg(host, EVP_sha256(), -1, v, vl, msg, sizeof msg), 1);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 70 44 01 00", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 70", r, &rl), 0x6986);
    /* a public key import (RAW n, e) and a mismatched public exponent length */
    EVP_PKEY_free(host);
    sim_card_close(c);
}

/* RAW RSA import (n, e, d) and a public key; the format is fixed. */
static void test_rsa_raw(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    EVP_PKEY *host = test_rsa_key(1024, 0);
    uint8_t n[128], e[4], dd[128], v[400];
    bn_param(host, OSSL_PKEY_PARAM_RSA_N, n, 128);
    int el = bn_param(host, OSSL_PKEY_PARAM_RSA_E, e, 0);
    bn_param(host, OSSL_PKEY_PARAM_RSA_D, dd, 128);
    struct tlv_w w;
    /* RAW pair in one APDU (P2 4F) */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000080);
    tlv_put_u16(&w, 0x42, 1024);
    tlv_put(&w, 0x48, e, (size_t)el);
    tlv_put(&w, 0x49, dd, 128);
    tlv_put(&w, 0x4A, n, 128);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x62, 0x4F, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 80", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x04);
    /* a CRT component on the RAW key: refused */
    assert_int_equal(tu_apdu(c, "80 01 02 00 0B 41 04 7F 00 00 80 43 03 01 02 03", r, &rl), 0x6A80);
    /* sign on the card, verify with the host key */
    uint8_t msg[10] = {9, 8, 7};
    op_body(&w, v, sizeof v, 0x7F000080, 0x2A, msg, sizeof msg); /* PKCS#1 SHA-512 */
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(verify_msg(host, EVP_sha512(), -1, sig, sl, msg, sizeof msg), 1);
    /* public key only: verify and encrypt work, sign/decrypt do not */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000081);
    tlv_put_u16(&w, 0x42, 1024);
    tlv_put(&w, 0x48, e, (size_t)el);
    tlv_put(&w, 0x4A, n, 128);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x22, 0x00, v, w.len, r, &rl), 0x9000);
    uint8_t sigc[128];
    memcpy(sigc, sig, 128);
    op_body(&w, v, sizeof v, 0x7F000081, 0x2A, msg, sizeof msg);
    tlv_put(&w, 0x45, sigc, 128);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 03 0C 09 0E 41 04 7F 00 00 81 42 01 28 43 03 01 02 03", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 03 02 38 0E 41 04 7F 00 00 81 42 01 0A 43 03 01 02 03", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 03 02 37 0E 41 04 7F 00 00 81 42 01 0A 43 03 01 02 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 81 44 01 00", r, &rl), 0x9000);
    assert_int_equal(rl, 4 + 128);
    assert_memory_equal(r + 4, n, 128);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa),
        cmocka_unit_test(test_rsa_import),
        cmocka_unit_test(test_rsa_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
