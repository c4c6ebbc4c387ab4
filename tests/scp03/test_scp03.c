/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 on the host (lib/scp03.c, lib/scp03_keys.c, the session
 * path in lib/session.c):
 *  - the computed vector of docs/protocol/scp03.md §8 byte for byte (session
 *    keys, cryptograms, EXTERNAL AUTHENTICATE, MCV, the first wrapped command
 *    and its ICVs) and a byte-exact response unwrap built independently here;
 *  - tampered, replayed and truncated responses refused with the integrity
 *    message; wrong keys refused with the card-cryptogram message;
 *  - key files: NXP's format, AES-128/256, strict errors naming file:line,
 *    permissions;
 *  - a whole session against the emulator's card core in process (the peer
 *    only; lib/ shares no code with it): open = SELECT + 2 APDUs, 1 APDU per
 *    command afterwards, re-authentication when another client used the chip
 *    (link generation) or when the chip lost the channel (6982, JRCP links),
 *    a flipped bit in a response closes the channel. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "scp03.h"
#include "internal.h"
#include "se05x_proto.h"
#include "sim.h"
#include "testutil.h"

static const char *DEVKIT = "ENC 35C256458958A34F6136155F8209D6CD\n"
                            "MAC AF177D5DBDF7C0D5C10A05B9F1607F78\n"
                            "DEK A1BC8438BF77935B361A4425FE79FA29\n";

static void devkit(struct se05x_scp03 *st)
{
    memset(st, 0, sizeof *st);
    st->keys.kvn = 0x0B;
    assert_int_equal(se05x_scp03_keys_parse(DEVKIT, strlen(DEVKIT), "devkit", &st->keys, NULL), SE05X_OK);
}

/* Independent helpers (plain EVP calls) to build the card's side. */
static void ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, out, &a, in, 16), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, out + a, &b), 1);
    EVP_CIPHER_CTX_free(c);
}

static void cbc_enc(const uint8_t key[16], const uint8_t iv[16], uint8_t *buf, size_t n)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, buf, &a, buf, (int)n), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, buf + a, &b), 1);
    EVP_CIPHER_CTX_free(c);
}

static void cmac(const uint8_t key[16], const uint8_t *d, size_t n, uint8_t out[16])
{
    size_t ol = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *x = EVP_MAC_CTX_new(m);
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
                      OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_MAC_init(x, key, 16, p), 1);
    assert_int_equal(EVP_MAC_update(x, d, n), 1);
    assert_int_equal(EVP_MAC_final(x, out, &ol, 16), 1);
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(m);
}

/* The §8 handshake with fixed challenges; leaves st active. */
static void handshake_vector(struct se05x_scp03 *st)
{
    uint8_t hc[8], c[21], iu[13], rsp[31];
    struct se05x_error e = {0};
    devkit(st);
    test_hex("0102030405060708", hc, 8);
    assert_int_equal(se05x_scp03_init_update(st, hc, iu), 13);
    assert_bytes(iu, 13, "80 50 0B 00 08 01 02 03 04 05 06 07 08");
    test_hex("00000000000000000000 0B 03 00 1112131415161718 6380AD5E21107111 9000", rsp, 31);
    assert_int_equal(se05x_scp03_auth(st, rsp, 31, c, &e), SE05X_OK);
    assert_bytes(c, 21, "84 82 33 00 10 B9 D8 A7 81 FB 85 6F 2A 56 ED 9F 8A 84 11 B6 15");
    uint8_t ok[2] = {0x90, 0x00};
    assert_int_equal(se05x_scp03_auth_done(st, ok, 2, &e), SE05X_OK);
    assert_true(st->active);
}

static void test_vector_session_keys(void **state)
{
    (void)state;
    struct se05x_scp03 st;
    uint8_t ctx[16], out[16];
    devkit(&st);
    test_hex("0102030405060708 1112131415161718", ctx, 16);
    assert_true(se05x_scp03_kdf(st.keys.enc, 16, 0x04, 128, ctx, out));
    assert_bytes(out, 16, "03 14 D4 42 D4 E0 7C 96 AA F3 78 58 3F A7 37 3A");
    assert_true(se05x_scp03_kdf(st.keys.mac, 16, 0x06, 128, ctx, out));
    assert_bytes(out, 16, "8F 1D 57 04 77 B5 8A D2 13 FE ED 2E 01 EB 71 63");
    assert_true(se05x_scp03_kdf(st.keys.mac, 16, 0x07, 128, ctx, out));
    assert_bytes(out, 16, "A3 FB CA 89 65 2C C9 1B F2 22 01 0B 53 1D 23 12");
    handshake_vector(&st);
    assert_bytes(st.s_enc, 16, "03 14 D4 42 D4 E0 7C 96 AA F3 78 58 3F A7 37 3A");
    assert_bytes(st.s_mac, 16, "8F 1D 57 04 77 B5 8A D2 13 FE ED 2E 01 EB 71 63");
    assert_bytes(st.s_rmac, 16, "A3 FB CA 89 65 2C C9 1B F2 22 01 0B 53 1D 23 12");
    assert_bytes(st.mcv, 16, "56 ED 9F 8A 84 11 B6 15 8A DC 02 D1 55 52 2D 03");
    se05x_scp03_clear(&st);
}

static void test_vector_wrap_unwrap(void **state)
{
    (void)state;
    struct se05x_scp03 st;
    struct se05x_error e = {0};
    uint8_t plain[11], w[64], ctr[16] = {0}, icv[16], r[64];
    size_t wl = 0;
    handshake_vector(&st);
    test_hex("80 04 00 27 06 41 04 7F 00 00 01", plain, sizeof plain);
    assert_int_equal(se05x_scp03_wrap(&st, plain, sizeof plain, w, sizeof w, &wl, &e), SE05X_OK);
    assert_bytes(w, wl, "84 04 00 27 18 C7 FD D7 8E 44 4E 91 1B C9 3B 77 C8 B6 42 7C 6D 5D 13 16 41 8C A8 65 11");
    /* the ICVs of the vector, computed here from S-ENC and counter 1 */
    ctr[15] = 1;
    ecb(st.s_enc, ctr, icv);
    assert_bytes(icv, 16, "27 91 1E 13 53 FE 2B F1 69 2A 93 18 9A C5 1A 06");
    ctr[0] = 0x80;
    ecb(st.s_enc, ctr, icv);
    assert_bytes(icv, 16, "37 F0 FD 30 B1 8B 49 A2 1A 09 CF 75 48 9E 3D 38");

    /* the card's answer "41 01 01" (object exists): R-ENC with that ICV, R-MAC
     * over MCV || data || 9000 with S-RMAC; MCV = the C-MAC's full CMAC */
    uint8_t mcv[16], rsp[32], macin[16 + 16 + 2], full[16];
    memcpy(mcv, st.mcv, 16);
    test_hex("41 01 01 80 00 00 00 00 00 00 00 00 00 00 00 00", rsp, 16);
    cbc_enc(st.s_enc, icv, rsp, 16);
    memcpy(macin, mcv, 16);
    memcpy(macin + 16, rsp, 16);
    macin[32] = 0x90;
    macin[33] = 0x00;
    cmac(st.s_rmac, macin, sizeof macin, full);
    memcpy(rsp + 16, full, 8);
    rsp[24] = 0x90;
    rsp[25] = 0x00;

    /* a flipped bit anywhere: refused with the integrity message */
    for (size_t bit = 0; bit < 24 * 8; bit += 37) {
        struct se05x_scp03 copy = st;
        size_t n = 26;
        memcpy(r, rsp, 26);
        r[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(se05x_scp03_unwrap(&copy, r, &n, &e), SE05X_E_PROTOCOL);
        assert_non_null(strstr(e.msg, "response failed its integrity check"));
    }
    /* truncated: R-MAC missing */
    {
        struct se05x_scp03 copy = st;
        size_t n = 2;
        r[0] = 0x90, r[1] = 0x00;
        assert_int_equal(se05x_scp03_unwrap(&copy, r, &n, &e), SE05X_E_PROTOCOL);
        assert_non_null(strstr(e.msg, "integrity"));
    }
    size_t n = 26;
    memcpy(r, rsp, 26);
    assert_int_equal(se05x_scp03_unwrap(&st, r, &n, &e), SE05X_OK);
    assert_bytes(r, n, "41 01 01 90 00");

    /* replay: the same answer to the next command fails (the MCV moved) */
    assert_int_equal(se05x_scp03_wrap(&st, plain, sizeof plain, w, sizeof w, &wl, &e), SE05X_OK);
    n = 26;
    memcpy(r, rsp, 26);
    assert_int_equal(se05x_scp03_unwrap(&st, r, &n, &e), SE05X_E_PROTOCOL);
    assert_non_null(strstr(e.msg, "integrity"));

    /* an answer of another session (other challenges, same keys) at the
     * same position: refused */
    {
        struct se05x_scp03 other;
        uint8_t hc[8] = {9, 9, 9, 9, 9, 9, 9, 9}, iu[13], ea[21], ir[31];
        devkit(&other);
        se05x_scp03_init_update(&other, hc, iu);
        test_hex("00000000000000000000 0B 03 00 1112131415161718 0000000000000000 9000", ir, 31);
        /* card cryptogram for these challenges, computed with the lib's KDF */
        uint8_t ctx[16], smac[16];
        memcpy(ctx, hc, 8);
        memcpy(ctx + 8, ir + 13, 8);
        assert_true(se05x_scp03_kdf(other.keys.mac, 16, 0x06, 128, ctx, smac));
        assert_true(se05x_scp03_kdf(smac, 16, 0x00, 64, ctx, ir + 21));
        assert_int_equal(se05x_scp03_auth(&other, ir, 31, ea, &e), SE05X_OK);
        uint8_t ok2[2] = {0x90, 0x00};
        assert_int_equal(se05x_scp03_auth_done(&other, ok2, 2, &e), SE05X_OK);
        assert_int_equal(se05x_scp03_wrap(&other, plain, sizeof plain, w, sizeof w, &wl, &e), SE05X_OK);
        n = 26;
        memcpy(r, rsp, 26);
        assert_int_equal(se05x_scp03_unwrap(&other, r, &n, &e), SE05X_E_PROTOCOL);
        assert_non_null(strstr(e.msg, "integrity"));
        se05x_scp03_clear(&other);
    }

    /* an error SW is taken bare, data dropped */
    n = 4;
    test_hex("01 02 6A 82", r, 4);
    assert_int_equal(se05x_scp03_unwrap(&st, r, &n, &e), SE05X_OK);
    assert_bytes(r, n, "6A 82");
    se05x_scp03_clear(&st);
}

static void test_wrap_forms(void **state)
{
    (void)state;
    struct se05x_scp03 st;
    struct se05x_error e = {0};
    uint8_t c[400], w[450];
    size_t wl;
    handshake_vector(&st);
    /* no data: Lc = 08 (the MAC), counter unchanged (3.x) */
    test_hex("80 02 00 25 00", c, 5);
    assert_int_equal(se05x_scp03_wrap(&st, c, 5, w, sizeof w, &wl, &e), SE05X_OK);
    assert_int_equal(wl, 13);
    assert_bytes(w, 5, "84 02 00 25 08");
    assert_int_equal(st.ctr[15], 0);
    /* 16 bytes of data: a full padding block, Lc = 32 + 8 */
    memcpy(c, "\x80\x03\x00\x00\x10", 5);
    memset(c + 5, 0xAB, 16);
    assert_int_equal(se05x_scp03_wrap(&st, c, 21, w, sizeof w, &wl, &e), SE05X_OK);
    assert_int_equal(w[4], 40);
    assert_int_equal(wl, 5 + 40);
    assert_int_equal(st.ctr[15], 1);
    /* extended flag: 00 HH LL, Le 00 00 after the MAC */
    memcpy(c, "\x80\x03\x00\x00\x00\x00\x03\x01\x02\x03\x00\x00", 12);
    assert_int_equal(se05x_scp03_wrap(&st, c, 12, w, sizeof w, &wl, &e), SE05X_OK);
    assert_bytes(w, 7, "84 03 00 00 00 00 18");
    assert_int_equal(wl, 7 + 24 + 2);
    assert_bytes(w + wl - 2, 2, "00 00");
    /* 300 bytes: long Lc without Le */
    memcpy(c, "\x80\x01\x00\x00\x00\x01\x2C", 7);
    memset(c + 7, 1, 300);
    assert_int_equal(se05x_scp03_wrap(&st, c, 307, w, sizeof w, &wl, &e), SE05X_OK);
    assert_bytes(w, 7, "84 01 00 00 00 01 38"); /* 304 + 8 */
    assert_int_equal(wl, 7 + 304 + 8);
    /* malformed: Lc larger than the data */
    memcpy(c, "\x80\x01\x00\x00\x09\x01", 6);
    assert_int_equal(se05x_scp03_wrap(&st, c, 6, w, sizeof w, &wl, &e), SE05X_E_BAD_ARG);
    se05x_scp03_clear(&st);
}

static void test_wrong_keys(void **state)
{
    (void)state;
    struct se05x_scp03 st;
    struct se05x_error e = {0};
    uint8_t hc[8] = {1, 2, 3, 4, 5, 6, 7, 8}, iu[13], c[21], rsp[31];
    devkit(&st);
    st.keys.mac[0] ^= 1;
    se05x_scp03_init_update(&st, hc, iu);
    test_hex("00000000000000000000 0B 03 00 1112131415161718 6380AD5E21107111 9000", rsp, 31);
    assert_int_equal(se05x_scp03_auth(&st, rsp, 31, c, &e), SE05X_E_CRYPTO);
    assert_string_equal(e.msg, "SCP03 authentication failed (card cryptogram mismatch): wrong keys for this chip?");
    assert_false(st.active);
    /* no such key version: the SW is reported */
    test_hex("6A 88", rsp, 2);
    se05x_scp03_clear(&st);
    devkit(&st);
    se05x_scp03_init_update(&st, hc, iu);
    assert_int_not_equal(se05x_scp03_auth(&st, rsp, 2, c, &e), SE05X_OK);
    assert_non_null(strstr(e.msg, "6A88"));
    /* a short answer */
    test_hex("00 00 90 00", rsp, 4);
    assert_int_equal(se05x_scp03_auth(&st, rsp, 4, c, &e), SE05X_E_PROTOCOL);
    se05x_scp03_clear(&st);
}

/* ---------- key files ---------- */

static se05x_rc parse(const char *text, struct se05x_scp03_keys *k, struct se05x_error *e)
{
    memset(k, 0, sizeof *k);
    return se05x_scp03_keys_parse(text, strlen(text), "k.txt", k, e);
}

static void test_keyfile_parse(void **state)
{
    (void)state;
    struct se05x_scp03_keys k;
    struct se05x_error e = {0};
    assert_int_equal(parse("# NXP key file\r\n\nENC 35C256458958A34F6136155F8209D6CD  # comment\r\n"
                           "  MAC\taf177d5dbdf7c0d5c10a05b9f1607f78\nDEK A1BC8438BF77935B361A4425FE79FA29",
                           &k, &e), SE05X_OK);
    assert_int_equal(k.klen, 16);
    assert_true(k.has_dek);
    assert_bytes(k.mac, 16, "AF177D5DBDF7C0D5C10A05B9F1607F78");
    assert_int_equal(parse("ENC 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n"
                           "MAC 0102030405060708090A0B0C0D0E0F100102030405060708090A0B0C0D0E0F10\n", &k, &e),
                     SE05X_OK);
    assert_int_equal(k.klen, 32);
    assert_false(k.has_dek);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"ENC 35C256458958A34F6136155F8209D6CD\nKEY 00\n", "k.txt:2: expected 'ENC', 'MAC' or 'DEK'"},
        {"ENC 35C256458958A34F6136155F8209D6C\nMAC AF177D5DBDF7C0D5C10A05B9F1607F78\n", "k.txt:1: the ENC key has 31 hex digits"},
        {"ENC 35C256458958A34F6136155F8209D6CD\nENC AF177D5DBDF7C0D5C10A05B9F1607F78\n", "k.txt:2: ENC given twice"},
        {"\n\nENC 35C256458958A34F6136155F8209D6CD\nMAC AF177D5DBDF7C0D5C10A05B9F1607F7Z\n", "k.txt:4: the MAC key must be hexadecimal"},
        {"ENC 35C256458958A34F6136155F8209D6CD\n", "k.txt: no MAC key"},
        {"MAC 35C256458958A34F6136155F8209D6CD\n", "k.txt: no ENC key"},
        {"ENC\n", "k.txt:1: ENC without a key"},
        {"ENC 35C256458958A34F6136155F8209D6CD extra\n", "k.txt:1: the ENC key must be hexadecimal"},
        {"ENC 35C256458958A34F6136155F8209D6CD\n"
         "MAC 0102030405060708090A0B0C0D0E0F100102030405060708090A0B0C0D0E0F10\n", "k.txt:2: the MAC key is AES-256 but"},
        {"enc 35C256458958A34F6136155F8209D6CD\n", "k.txt:1: expected"},
        {"ENC 0x35C256458958A34F6136155F8209D6CD\n", "k.txt:1: the ENC key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        assert_int_equal(parse(bad[i].text, &k, &e), SE05X_E_FORMAT);
        if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("case %zu: got '%s'", i, e.msg);
        /* never quotes key material */
        assert_null(strstr(e.msg, "35C2"));
        assert_null(strstr(e.msg, "AF17"));
        assert_int_equal(k.klen, 0); /* no partial result */
    }
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_keyfile_load(void **state)
{
    (void)state;
    char path[256];
    struct se05x_scp03_keys k = {0};
    struct se05x_error e = {0};
    tmp_path(path, sizeof path, "scpkeys");
    write_file(path, DEVKIT, 0600);
    assert_int_equal(se05x_scp03_keys_load(path, &k, &e), SE05X_OK);
    assert_int_equal(k.klen, 16);
    /* world-writable: refused (anyone could substitute the channel keys) */
    write_file(path, DEVKIT, 0622);
    memset(&k, 0, sizeof k);
    assert_int_equal(se05x_scp03_keys_load(path, &k, &e), SE05X_E_IO);
    assert_non_null(strstr(e.msg, "writable by group/others"));
    assert_int_equal(k.klen, 0);
    /* readable by others: accepted with a logged warning */
    char logp[300];
    snprintf(logp, sizeof logp, "%s.log", path);
    unlink(logp);
    setenv("SE05X_LOG_FILE", logp, 1);
    write_file(path, DEVKIT, 0644);
    assert_int_equal(se05x_scp03_keys_load(path, &k, &e), SE05X_OK);
    unsetenv("SE05X_LOG_FILE");
    char *log = slurp(logp);
    assert_non_null(strstr(log, "readable by group/others"));
    assert_null(strstr(log, "35C2"));
    free(log);
    unlink(logp);
    /* a malformed file names file:line */
    write_file(path, "# keys\nENC 35C256458958A34F6136155F8209D6CD\nMAC nothex\n", 0600);
    assert_int_equal(se05x_scp03_keys_load(path, &k, &e), SE05X_E_FORMAT);
    char want[300];
    snprintf(want, sizeof want, "%s:3:", path);
    assert_non_null(strstr(e.msg, want));
    /* not a regular file, missing file */
    assert_int_equal(se05x_scp03_keys_load("/dev/null", &k, &e), SE05X_E_IO);
    unlink(path);
    assert_int_equal(se05x_scp03_keys_load(path, &k, &e), SE05X_E_IO);
    assert_non_null(strstr(e.msg, path));
    se05x_scp03_keys_clear(&k);
}

/* ---------- whole sessions against the card core ---------- */

struct card_link {
    struct se05x_link base;
    struct sim_card *card;
    unsigned apdus;
    int flip_next;           /* flip a bit of the next response with data */
    int replay_next;         /* answer the next command with the previous answer */
    uint8_t last[1200];
    size_t lastlen;
    uint8_t sent[64][300];
    size_t sentlen[64];
};

static se05x_rc cl_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap,
                              size_t *rlen, struct se05x_error *err)
{
    (void)err;
    struct card_link *x = (struct card_link *)l;
    if (x->apdus < 64) {
        memcpy(x->sent[x->apdus], c, clen < 300 ? clen : 300);
        x->sentlen[x->apdus] = clen;
    }
    x->apdus++;
    size_t n = sim_card_apdu(x->card, c, clen, r, rcap);
    if (x->replay_next && x->lastlen) {
        x->replay_next = 0;
        memcpy(r, x->last, x->lastlen);
        n = x->lastlen;
    }
    if (x->flip_next && n > 2) {
        x->flip_next = 0;
        r[0] ^= 0x01;
    }
    memcpy(x->last, r, n);
    x->lastlen = n;
    *rlen = n;
    return SE05X_OK;
}

static void cl_close(struct se05x_link *l) { free(l); }

static const struct se05x_link_ops cl_ops = {.name = "card", .transceive = cl_transceive, .close = cl_close};

static struct sim_card *new_card(char variant)
{
    struct sim_card_cfg cfg = {0};
    struct sim_card *c = NULL;
    char err[200];
    cfg.variant = variant;
    assert_int_equal(sim_card_open(&cfg, &c, err, sizeof err), 0);
    return c;
}

static se05x_session *scp_session(struct sim_card *card, struct card_link **out)
{
    struct card_link *l = calloc(1, sizeof *l);
    struct se05x_scp03 st;
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    l->base.ops = &cl_ops;
    l->card = card;
    assert_int_equal(se05x_session_from_link(&l->base, "card", true, &s, &e), SE05X_OK);
    devkit(&st);
    assert_int_equal(se05x_session_scp03_start(s, &st.keys, &e), SE05X_OK);
    se05x_scp03_clear(&st);
    *out = l;
    return s;
}

static void test_session_on_card(void **state)
{
    (void)state;
    struct sim_card *card = new_card('F');
    struct card_link *l;
    se05x_session *s = scp_session(card, &l);
    struct se05x_error e = {0};
    /* open = SELECT + INITIALIZE UPDATE + EXTERNAL AUTHENTICATE */
    assert_int_equal(l->apdus, 3);
    assert_int_equal(l->sent[1][0], 0x80);
    assert_int_equal(l->sent[1][1], 0x50);
    assert_int_equal(l->sent[2][0], 0x84);
    assert_int_equal(l->sent[2][1], 0x82);
    assert_string_equal(se05x_link_mode(s), "platform-scp03");

    /* steady state: one APDU per command, wrapped; no digest or id in clear */
    bool ex = false;
    assert_int_equal(se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    unsigned before;
    uint8_t dig[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, sig[80], id[4] = {0x7F, 0, 0, 1};
    size_t sl = 0;
    assert_int_equal(se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    for (unsigned i = 0; i < l->apdus && i < 64; i++) {
        assert_null(memmem(l->sent[i], l->sentlen[i], dig, 32));
        if (i >= 3) {
            assert_int_equal(l->sent[i][0], 0x84);
            assert_null(memmem(l->sent[i], l->sentlen[i], id, 4));
        }
    }
    before = l->apdus;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    assert_true(ex);
    assert_int_equal(l->apdus, before + 1);

    /* another client SELECTs (JRCP-style link: no generation): the chip
     * answers 6982, the session re-authenticates once and the command works */
    uint8_t sel[32], r[300];
    size_t sell = test_hex("00A4040010A000000396545300000001030000000000", sel, sizeof sel);
    assert_true(sim_card_apdu(card, sel, sell, r, sizeof r) >= 2);
    before = l->apdus;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    assert_int_equal(l->apdus, before + 1 + 3 + 1); /* refused, SELECT + handshake, again */
    assert_true(ex);

    /* a link that tracks other clients: re-authenticates before sending */
    l->base.tracks_others = true;
    assert_true(sim_card_apdu(card, sel, sell, r, sizeof r) >= 2);
    l->base.others_gen++;
    before = l->apdus;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    assert_int_equal(l->apdus, before + 3 + 1);
    /* ... and without a generation change it does not */
    before = l->apdus;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    assert_int_equal(l->apdus, before + 1);

    /* a replayed response: refused, channel closed, no result */
    l->replay_next = 1;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_E_PROTOCOL);
    se05x_last_error(s, &e);
    assert_non_null(strstr(e.msg, "response failed its integrity check"));
    before = l->apdus;
    assert_int_not_equal(se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    assert_int_equal(l->apdus, before); /* nothing sent any more */
    se05x_last_error(s, &e);
    assert_non_null(strstr(e.msg, "closed"));
    se05x_close(s);

    /* a flipped bit in a signature response */
    s = scp_session(card, &l);
    l->flip_next = 1;
    assert_int_equal(se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, dig, 32, sig, sizeof sig, &sl), SE05X_E_PROTOCOL);
    se05x_last_error(s, &e);
    assert_non_null(strstr(e.msg, "response failed its integrity check"));
    se05x_close(s);
    sim_card_close(card);
}

static void test_plain_on_variant_f(void **state)
{
    (void)state;
    struct sim_card *card = new_card('F');
    struct card_link *l = calloc(1, sizeof *l);
    se05x_session *s = NULL;
    struct se05x_error e = {0};
    l->base.ops = &cl_ops;
    l->card = card;
    assert_int_equal(se05x_session_from_link(&l->base, "card", true, &s, &e), SE05X_OK);
    assert_string_equal(se05x_link_mode(s), "plain");
    assert_int_not_equal(se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);
    se05x_last_error(s, &e);
    assert_int_equal(e.sw, 0x6982);
    assert_non_null(strstr(e.msg, "Platform SCP03"));
    assert_non_null(strstr(e.msg, "EX_SSS_BOOT_SCP03_PATH"));
    assert_non_null(strstr(e.msg, "scp03_keys"));
    se05x_close(s);
    sim_card_close(card);
}

/* Applet sessions (auth.h) on a plain link (variant C) and under Platform
 * SCP03 (variant F): UserID and AESKey, commands inside, wrong secrets,
 * tampered answers inside an AESKey session, close. */
static void plain_or_scp(struct sim_card *card, bool scp, se05x_session **s, struct card_link **l)
{
    if (scp) {
        *s = scp_session(card, l);
        return;
    }
    struct se05x_error e = {0};
    *l = calloc(1, sizeof **l);
    (*l)->base.ops = &cl_ops;
    (*l)->card = card;
    assert_int_equal(se05x_session_from_link(&(*l)->base, "card", true, s, &e), SE05X_OK);
}

static void raw_ok(se05x_session *s, const char *hex)
{
    uint8_t c[300], r[300];
    size_t rl = 0, n = test_hex(hex, c, sizeof c);
    assert_int_equal(se05x_transceive(s, c, n, r, sizeof r, &rl), SE05X_OK);
    assert_int_equal(rl, 2);
    assert_int_equal(r[0], 0x90);
}

static void applet_sessions(bool scp)
{
    struct sim_card *card = new_card(scp ? 'F' : 'C');
    struct card_link *l;
    se05x_session *s;
    struct se05x_error e = {0};
    bool ex = false;
    uint8_t key[16];
    plain_or_scp(card, scp, &s, &l);
    /* UserID 7DA00001 = "1234", AESKey 7DA00002 */
    raw_ok(s, "80 41 07 00 0C 41 04 7D A0 00 01 42 04 31 32 33 34");
    test_hex("000102030405060708090A0B0C0D0E0F", key, 16);
    raw_ok(s, "80 41 03 00 18 41 04 7D A0 00 02 43 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
    assert_int_equal(se05x_ec_generate(s, 0x7F000001, SE05X_EC_NIST_P256, NULL), SE05X_OK);

    /* UserID: wrong value refused, no session left open */
    assert_int_not_equal(se05x_auth_open_userid(s, 0x7DA00001, (const uint8_t *)"9999", 4), SE05X_OK);
    assert_int_equal(se05x_auth_id(s), 0);
    assert_int_equal(se05x_auth_open_userid(s, 0x7DA00001, (const uint8_t *)"1234", 4), SE05X_OK);
    assert_int_equal(se05x_auth_id(s), 0x7DA00001);
    unsigned before = l->apdus;
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    assert_true(ex);
    assert_int_equal(l->apdus, before + 1);
    if (!scp) { /* inside ProcessSessionCmd */
        assert_int_equal(l->sent[l->apdus - 1][0], 0x80);
        assert_int_equal(l->sent[l->apdus - 1][1], 0x05);
    }
    /* a second one is refused while this one is open */
    assert_int_equal(se05x_auth_open_aeskey(s, 0x7DA00002, key, 16), SE05X_E_BAD_ARG);
    assert_int_equal(se05x_auth_close(s), SE05X_OK);
    assert_int_equal(se05x_auth_id(s), 0);

    /* AESKey: wrong key -> card cryptogram message, no session */
    uint8_t bad[16];
    memcpy(bad, key, 16);
    bad[3] ^= 0x40;
    assert_int_equal(se05x_auth_open_aeskey(s, 0x7DA00002, bad, 16), SE05X_E_CRYPTO);
    se05x_last_error(s, &e);
    assert_non_null(strstr(e.msg, "card cryptogram mismatch"));
    assert_int_equal(se05x_auth_id(s), 0);
    assert_int_equal(se05x_auth_open_aeskey(s, 0x7DA00002, key, 16), SE05X_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
        assert_true(ex);
    }
    if (!scp) { /* inner command wrapped (CLA 84) inside 80 05; the key id not in clear */
        const uint8_t *c = l->sent[l->apdus - 1];
        uint8_t id[4] = {0x7F, 0, 0, 1};
        assert_int_equal(c[1], 0x05);
        assert_int_equal(c[15], 0x41);
        assert_int_equal(c[17], 0x84);
        assert_null(memmem(c, l->sentlen[l->apdus - 1], id, 4));
    }
    uint8_t dig[32] = {7}, sig[80];
    size_t sl = 0;
    assert_int_equal(se05x_ecdsa_sign(s, 0x7F000001, SE05X_MD_SHA256, dig, 32, sig, sizeof sig, &sl), SE05X_OK);
    assert_int_equal(se05x_auth_close(s), SE05X_OK);
    assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);

    /* a tampered answer inside the AESKey session (plain link: only the
     * applet channel protects it) closes the applet session */
    if (!scp) {
        assert_int_equal(se05x_auth_open_aeskey(s, 0x7DA00002, key, 16), SE05X_OK);
        l->flip_next = 1;
        assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_E_PROTOCOL);
        se05x_last_error(s, &e);
        assert_non_null(strstr(e.msg, "integrity"));
        before = l->apdus;
        assert_int_not_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
        assert_int_equal(l->apdus, before);
        assert_int_equal(se05x_auth_close(s), SE05X_OK);
        assert_int_equal(se05x_object_exists(s, 0x7F000001, &ex), SE05X_OK);
    }
    se05x_close(s);
    sim_card_close(card);
}

static void test_applet_sessions_plain(void **state)
{
    (void)state;
    applet_sessions(false);
}

static void test_applet_sessions_scp03(void **state)
{
    (void)state;
    applet_sessions(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_session_keys), cmocka_unit_test(test_vector_wrap_unwrap),
        cmocka_unit_test(test_wrap_forms),          cmocka_unit_test(test_wrong_keys),
        cmocka_unit_test(test_keyfile_parse),       cmocka_unit_test(test_keyfile_load),
        cmocka_unit_test(test_session_on_card),     cmocka_unit_test(test_plain_on_variant_f),
        cmocka_unit_test(test_applet_sessions_plain), cmocka_unit_test(test_applet_sessions_scp03),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
