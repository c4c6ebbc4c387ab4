/* Emulator card core: each command's happy path and error status words,
 * including the byte examples of apdu.md §6. */
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

#include "sim_test_util.h"
#include "tlv.h"

#define SEL "00A4040010A000000396545300000001030000000000"
#define GEN_P256 "80 01 61 00 09 41 04 7F 00 00 01 42 01 03"

static uint8_t r[4096];
static size_t rl;

static EVP_PKEY *ec_pub(const char *group, const uint8_t *pt, size_t n)
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
static size_t read_pub(struct sim_card *c, uint32_t id, uint8_t *out)
{
    uint8_t d[6] = {0x41, 0x04, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    const uint8_t *v;
    size_t n;
    assert_int_equal(tu_cmd(c, 0x80, 0x02, 0x00, 0x00, d, 6, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &n));
    memcpy(out, v, n);
    return n;
}

static void test_select(void **st)
{
    (void)st;
    struct sim_card *c = tu_open(NULL, NULL);
    /* before SELECT: conditions not satisfied */
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(rl, 7);
    assert_memory_equal(r, "\x03\x01\x00\x6F\xFF\x01\x0B", 7);
    /* 15-byte prefix (VCOM documentation form) */
    assert_int_equal(tu_apdu(c, "00A404000FA0000003965453000000010300000000", r, &rl), 0x9000);
    /* Nitrokey's Le 07 */
    assert_int_equal(tu_apdu(c, "00A4040010A000000396545300000001030000000007", r, &rl), 0x9000);
    /* 14-byte prefix and other AIDs */
    assert_int_equal(tu_apdu(c, "00A404000EA00000039654530000000103000000", r, &rl), 0x6A82);
    assert_int_equal(tu_apdu(c, "00A4040010A000000396545300000001030000000100", r, &rl), 0x6A82);
    assert_int_equal(tu_apdu(c, "00A4040000", r, &rl), 0x9000); /* card manager */
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    /* card-manager GET DATA: ConfigID with the SE050C1 OEF id A200 */
    assert_int_equal(tu_apdu(c, "80 CA 00 FE 02 DF 28 00", r, &rl), 0x9000);
    assert_int_equal(rl, 2 + r[1]);
    assert_memory_equal(r, "\xFE", 1);
    assert_memory_equal(r + 2, "\xDF\x28", 2);
    assert_memory_equal(r + 5, "\x01\x0C\x00\x01\xA2\x00", 6);
    assert_int_equal(tu_apdu(c, "80 CA 00 FE 02 DF 29 00", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x9000);
    assert_int_equal(rl, 11);
    assert_memory_equal(r, "\x41\x82\x00\x07\x03\x01\x00\x6F\xFF\x01\x0B", 11);
    /* after a chip reset the applet must be selected again */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, "8004002000", r, &rl), 0x6985);
    sim_card_close(c);

    struct sim_card_cfg cfg = {.variant = 'F'};
    c = tu_open(NULL, &cfg);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_memory_equal(r, "\x03\x06\x00\x6F\xFF\x01\x0B", 7);
    size_t atrlen;
    const uint8_t *atr = sim_card_atr(c, &atrlen);
    assert_int_equal(atrlen, 35);
    assert_int_equal(atr[0], 0x00);
    sim_card_close(c);
}

static void test_header_errors(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "801F002000", r, &rl), 0x6D00);  /* unknown INS */
    assert_int_equal(tu_apdu(c, "A004002000", r, &rl), 0x6E00);  /* unknown CLA */
    assert_int_equal(tu_apdu(c, "8404002000", r, &rl), 0x6982);  /* no SCP03 session */
    assert_int_equal(tu_apdu(c, "800400FE00", r, &rl), 0x6A86);  /* unknown P2 */
    assert_int_equal(tu_apdu(c, "800477FE00", r, &rl), 0x6A86);  /* unknown P1 */
    assert_int_equal(tu_apdu(c, "808400 2000", r, &rl), 0x6D00); /* transient bit on MGMT */
    /* wrong Lc: short says 7, 6 bytes follow; extended says 0x10 */
    assert_int_equal(tu_apdu(c, "80040027 07 41047F000001", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 000010 41047F000001", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 000000", r, &rl), 0x6A80); /* no id */
    assert_int_equal(tu_apdu(c, "800400", r, &rl), 0x6700);
    assert_int_equal(tu_apdu(c, "80040027 00 41", r, &rl), 0x6700);
    /* extended case 4 with data is fine */
    assert_int_equal(tu_apdu(c, "80040027 000006 41047F000001 0000", r, &rl), 0x9000);
    /* Lc above the applet's 892-byte payload limit */
    uint8_t big[1000];
    memset(big, 0, sizeof big);
    assert_int_equal(tu_cmd(c, 0x80, 0x04, 0x00, 0x27, big, 900, r, &rl), 0x6700);
    /* malformed TLV */
    assert_int_equal(tu_apdu(c, "80040027 06 41057F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 06 41037F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 0C 41047F000001 41047F000001", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80040027 09 41047F000001 990100", r, &rl), 0x6A80);
    sim_card_close(c);
}

static void test_mgmt(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* §6 GetRandom 8 bytes */
    assert_int_equal(tu_apdu(c, "80 04 00 49 00 00 04 41 02 00 08 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 12);
    assert_memory_equal(r, "\x41\x82\x00\x08", 4);
    assert_int_equal(tu_apdu(c, "80 04 00 49 04 41 02 00 00", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 04 00 49 04 41 02 04 00", r, &rl), 0x6700);
    /* GetFreeMemory */
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", r, &rl), 0x9000);
    assert_int_equal(rl, 4);
    assert_memory_equal(r, "\x41\x02", 2);
    assert_true(r[2] << 8 | r[3]);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 02", r, &rl), 0x9000);
    assert_int_equal(r[2] << 8 | r[3], 4096);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 04", r, &rl), 0x6A80);
    /* CheckObjectExists */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* DeleteAll needs a 7FFF0205 session, which is never satisfied */
    assert_int_equal(tu_apdu(c, "80 04 00 2A 00", r, &rl), 0x6982);
    /* sessions are not emulated */
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F FF 02 05", r, &rl), 0x6985);
    /* provisioned objects cannot be deleted and stay */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F FF 02 06", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 F0 00 00 12", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* unknown object */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 01", r, &rl), 0x6A80);
    /* timestamp: 12 bytes */
    assert_int_equal(tu_apdu(c, "80 04 00 3D 00", r, &rl), 0x9000);
    assert_int_equal(rl, 16);
    sim_card_close(c);
}

static void test_uid_and_cert(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t a[64], b[64];
    size_t al, bl;
    /* §6 both forms */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 0A 41 04 7F FF 02 06 43 02 00 12 00 00", a, &al), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 00 43 02 00 12 00", b, &bl), 0x9000);
    assert_int_equal(al, 22);
    assert_memory_equal(a, "\x41\x82\x00\x12\x04\x00\x50\x01", 8);
    assert_int_equal(bl, al);
    assert_memory_equal(a, b, al);
    /* offset/length window and out-of-range */
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 04 43 02 00 04", b, &bl), 0x9000);
    assert_memory_equal(b + 4, a + 8, 4);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F FF 02 06 42 02 00 10 43 02 00 04", b, &bl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 42 02 00 13", b, &bl), 0x6A80);
    /* the UID is read-only */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0C 41 04 7F FF 02 06 44 04 00 00 00 00", b, &bl), 0x6985);
    /* ReadType / ReadSize */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F FF 02 06", b, &bl), 0x9000);
    assert_int_equal(bl, 6);
    assert_memory_equal(b, "\x41\x01\x0B\x42\x01\x01", 6);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F FF 02 06", b, &bl), 0x9000);
    assert_memory_equal(b, "\x41\x02\x00\x12", 4);
    /* attestation certificate: readable DER, size via ReadSize */
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 F0 00 00 13", b, &bl), 0x9000);
    size_t cl = (size_t)(b[2] << 8 | b[3]);
    assert_true(cl > 200 && cl < 800);
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 13 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, cl + 4);
    assert_int_equal(r[4], 0x30);
    /* attestation key: public part readable, signing denied by its policy */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 12 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 65 + 4);
    /* FACTORY_RESET is not provisioned (hosts create it) */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    sim_card_close(c);
}

static void test_curves(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* no Weierstrass curve before it is created */
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(rl, 4 + 17);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(r[4 + i], 0x01);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6985);
    /* §6: create P-256; a param with a wrong value; generate before all params */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 03", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x02);
    assert_int_equal(tu_apdu(c, "80 01 0B 40 0A 41 01 03 42 01 01 43 02 12 34", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 0B 40 0A 41 01 03 42 01 03 43 02 12 34", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x9000); /* DeleteECCurve */
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x6A80);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* GetECCurveId */
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x03", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F FF 02 06", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 0B 36 06 41 04 7F 00 00 02", r, &rl), 0x6A80);
    /* Ed25519 / X25519 are built in */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 40", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 41 42 01 41", r, &rl), 0x9000);
    /* unsupported curve ids */
    assert_int_equal(tu_apdu(c, "80 01 0B 04 03 41 01 11", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 05 42 01 77", r, &rl), 0x6A80);
    /* a key on a deleted curve is unusable */
    assert_int_equal(tu_apdu(c, "80 04 0B 28 03 41 01 03", r, &rl), 0x9000);
    uint8_t d[32] = {0};
    uint8_t cmd[64];
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, d, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985);
    sim_card_close(c);
}

static void test_ecdsa(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t pub[200], cmd[300], dg[64];
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* §6 check existence */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* §6 read public key */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 7F 00 00 01 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 69);
    assert_memory_equal(r, "\x41\x82\x00\x41\x04", 5);
    size_t pl = read_pub(c, 0x7F000001, pub);
    assert_int_equal(pl, 65);
    EVP_PKEY *pk = ec_pub("P-256", pub, pl);
    /* type: EC key pair, persistent, size 32 */
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x01\x01", 6);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x20", 4);

    /* §6 sign a SHA-256 digest; verify with libcrypto */
    RAND_bytes(dg, sizeof dg);
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, dg, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(r[1], 0x82);
    assert_int_equal(sig[0], 0x30);
    EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(pk, NULL);
    assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
    assert_int_equal(EVP_PKEY_verify(vctx, sig, sl, dg, 32), 1);
    dg[0] ^= 1;
    assert_int_not_equal(EVP_PKEY_verify(vctx, sig, sl, dg, 32), 1);
    dg[0] ^= 1;
    EVP_PKEY_CTX_free(vctx);

    /* ECDSAVerify on the card: ok, then tampered */
    uint8_t sigcopy[100];
    memcpy(sigcopy, sig, sl);
    uint8_t v[200];
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000001);
    tlv_put_u8(&w, 0x42, 0x21);
    tlv_put(&w, 0x43, dg, 32);
    tlv_put(&w, 0x45, sigcopy, sl);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    v[11] ^= 0xFF; /* first digest byte */
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);

    /* the SE does not hash: input length must match the algorithm */
    cmd[4] = 0x2C;
    cmd[17] = 0x21;
    assert_int_equal(tu_apdu_bin(c, cmd, n + 33, r, &rl), 0x6A80); /* 33 bytes for SHA-256 */
    n = tu_hex("80 03 0C 09 1F 41 04 7F 00 00 01 42 01 11 43 14", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 20, r, &rl), 0x9000); /* SHA-1 */
    n = tu_hex("80 03 0C 09 4B 41 04 7F 00 00 01 42 01 26 43 40", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 64, r, &rl), 0x9000); /* SHA-512 */
    n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 09 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6A80); /* PLAIN unsupported */
    n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 02 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6A80); /* unknown object */
    n = tu_hex("80 03 0C 09 2B 41 04 7F FF 02 06 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985); /* not a key */
    n = tu_hex("80 03 0C 09 2B 41 04 F0 00 00 12 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6986); /* attestation key policy */

    /* regenerate (GEN, default policy) changes the key; import a public key */
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t pub2[200];
    read_pub(c, 0x7F000001, pub2);
    assert_memory_not_equal(pub, pub2, 65);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000002);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put(&w, 0x44, pub, 65);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x21, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x03);
    /* signing with a public key: conditions not satisfied */
    n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 02 42 01 21 43 20", cmd, sizeof cmd);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x6985);
    /* a bogus point is refused */
    pub[64] ^= 1;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000003);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put(&w, 0x44, pub, 65);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x21, 0x00, v, w.len, r, &rl), 0x6A80);
    /* type mismatch on rewrite: EC write over a binary file */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 09 43 02 00 10", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 09 42 01 03", r, &rl), 0x6985);
    /* curve mismatch on rewrite */
    tu_create_curve(c, 0x04, "secp384r1");
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 01 42 01 04", r, &rl), 0x6985);
    EVP_PKEY_free(pk);
    sim_card_close(c);
}

static void test_ec_import_private(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIGNUM *d = NULL;
    uint8_t priv[32], pub[65], v[200];
    size_t pl;
    assert_true(EVP_PKEY_get_bn_param(host, OSSL_PKEY_PARAM_PRIV_KEY, &d));
    BN_bn2binpad(d, priv, 32);
    assert_true(EVP_PKEY_get_octet_string_param(host, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &pl));
    struct tlv_w w;
    /* mismatching halves are refused */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000010);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put(&w, 0x43, priv, 32);
    pub[10] ^= 1;
    tlv_put(&w, 0x44, pub, 65);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x6A80);
    pub[10] ^= 1;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000010);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put(&w, 0x43, priv, 32);
    tlv_put(&w, 0x44, pub, 65);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x9000);
    uint8_t got[100];
    assert_int_equal(read_pub(c, 0x7F000010, got), 65);
    assert_memory_equal(got, pub, 65);
    /* private-only object: never readable */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000011);
    tlv_put_u8(&w, 0x42, 0x03);
    tlv_put(&w, 0x43, priv, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x41, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 11", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 11", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x02);
    /* regenerating a private-only object is not possible */
    assert_int_equal(tu_apdu(c, "80 01 41 00 06 41 04 7F 00 00 11", r, &rl), 0x6A80);
    /* sign with the private-only key, verify with the host key */
    uint8_t cmd[100], dg[32];
    RAND_bytes(dg, 32);
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 11 42 01 21 43 20", cmd, sizeof cmd);
    memcpy(cmd + n, dg, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(host, NULL);
    assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
    assert_int_equal(EVP_PKEY_verify(vctx, sig, sl, dg, 32), 1);
    EVP_PKEY_CTX_free(vctx);
    BN_free(d);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

static void test_ecdh(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t card_pub[100], host_pub[100], v[200];
    read_pub(c, 0x7F000001, card_pub);
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    size_t hl;
    assert_true(EVP_PKEY_get_octet_string_param(host, OSSL_PKEY_PARAM_PUB_KEY, host_pub, sizeof host_pub, &hl));
    /* §6 ECDH with a P-256 peer (extended form) */
    uint8_t cmd[200];
    size_t n = tu_hex("80 03 01 0F 00 00 49 41 04 7F 00 00 01 42 41", cmd, sizeof cmd);
    memcpy(cmd + n, host_pub, 65);
    n += 65;
    cmd[n++] = 0;
    cmd[n++] = 0;
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    const uint8_t *sec;
    size_t secl;
    assert_true(tu_tlv(r, rl, 0x41, &sec, &secl));
    assert_int_equal(secl, 32);
    /* the host computes the same */
    EVP_PKEY *peer = ec_pub("P-256", card_pub, 65);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(host, NULL);
    uint8_t hs[64];
    size_t hsl = sizeof hs;
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, hs, &hsl), 1);
    assert_int_equal(hsl, 32);
    assert_memory_equal(hs, sec, 32);
    /* invalid peer point */
    cmd[7 + 6 + 2 + 64] ^= 0x55;
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x6A80);
    /* Ed25519 keys cannot do ECDH */
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000040);
    tlv_put(&w, 0x42, host_pub + 1, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x01, 0x0F, v, w.len, r, &rl), 0x6985);
    /* X25519 (reversed byte order on the wire) */
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 41 42 01 41", r, &rl), 0x9000);
    uint8_t xpub[40];
    assert_int_equal(read_pub(c, 0x7F000041, xpub), 32);
    EVP_PKEY *xh = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    uint8_t xhp[32];
    size_t xl = 32;
    EVP_PKEY_get_raw_public_key(xh, xhp, &xl);
    uint8_t rev[32];
    for (int i = 0; i < 32; i++)
        rev[i] = xhp[31 - i];
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000041);
    tlv_put(&w, 0x42, rev, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x01, 0x0F, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &sec, &secl));
    for (int i = 0; i < 32; i++)
        rev[i] = xpub[31 - i];
    EVP_PKEY *xcard = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, rev, 32);
    EVP_PKEY_CTX *xctx = EVP_PKEY_CTX_new(xh, NULL);
    hsl = sizeof hs;
    assert_int_equal(EVP_PKEY_derive_init(xctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(xctx, xcard), 1);
    assert_int_equal(EVP_PKEY_derive(xctx, hs, &hsl), 1);
    for (int i = 0; i < 32; i++)
        assert_int_equal(hs[i], sec[31 - i]);
    EVP_PKEY_CTX_free(xctx);
    EVP_PKEY_free(xcard);
    EVP_PKEY_free(xh);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

static void test_eddsa(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 01 61 00 09 41 04 7F 00 00 40 42 01 40", r, &rl), 0x9000);
    uint8_t pubw[40], pub[32], v[200], msg[100];
    assert_int_equal(read_pub(c, 0x7F000040, pubw), 32);
    for (int i = 0; i < 32; i++)
        pub[i] = pubw[31 - i];
    RAND_bytes(msg, sizeof msg);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000040);
    tlv_put_u8(&w, 0x42, 0xA3);
    tlv_put(&w, 0x43, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    assert_int_equal(sl, 64);
    uint8_t s[64];
    for (int i = 0; i < 32; i++) {
        s[i] = sig[31 - i];
        s[32 + i] = sig[63 - i];
    }
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(md, s, 64, msg, sizeof msg), 1);
    /* the same public key imported as a PUBLIC object verifies the signature */
    uint8_t sigw[64];
    memcpy(sigw, sig, 64);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000042);
    tlv_put_u8(&w, 0x42, 0x40);
    tlv_put(&w, 0x44, pubw, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x21, 0x00, v, w.len, r, &rl), 0x9000);
    uint8_t vv[300];
    struct tlv_w w2;
    tlv_w_init(&w2, vv, sizeof vv);
    tlv_put_u32(&w2, 0x41, 0x7F000042);
    tlv_put_u8(&w2, 0x42, 0xA3);
    tlv_put(&w2, 0x43, msg, sizeof msg);
    tlv_put(&w2, 0x45, sigw, 64);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, vv, w2.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    vv[w2.len - 1] ^= 1;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x0A, vv, w2.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* rebuild the sign command for the next check */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000040);
    tlv_put_u8(&w, 0x42, 0xA3);
    tlv_put(&w, 0x43, msg, sizeof msg);
    /* ECDSA algorithm code on an Ed25519 key */
    v[w.len - sizeof msg - 2 - 1] = 0x21;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x6A80);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    sim_card_close(c);
}

static void test_policy(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    /* §6: SIGN+VERIFY+READ+DELETE for "no session" */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 18 24 00 00 41 04 7F 00 00 01 42 01 03", r, &rl), 0x9000);
    uint8_t cmd[100], pub[100];
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 7, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    read_pub(c, 0x7F000001, pub);
    /* ECDH (KA) denied, regenerate (GEN) denied */
    n = tu_hex("80 03 01 0F 49 41 04 7F 00 00 01 42 41", cmd, sizeof cmd);
    memcpy(cmd + n, pub, 65);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 65, r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x6986);
    /* a policy on a rewrite is ignored: still denied */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 FF FF 00 00 41 04 7F 00 00 01 42 01 03", r, &rl), 0x6986);
    /* policy without READ: public key not readable */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 18 00 00 00 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x6986);
    /* policy for another auth object only: denied without a session */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 7D A0 00 01 FF FF 00 00 41 04 7F 00 00 03 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 03", r, &rl), 0x6986);
    /* FORBID_ALL */
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 3F FF 00 00 41 04 7F 00 00 04 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 04", r, &rl), 0x6986);
    /* delete allowed by the first policy, denied by one without DELETE */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 02", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    /* malformed policies: 6984, nothing created */
    const char *bad[] = {
        "80 01 61 00 0E 11 03 08 00 00 41 04 7F 00 00 05 42 01 03",                   /* truncated entry */
        "80 01 61 00 14 11 09 07 00 00 00 00 18 24 00 00 41 04 7F 00 00 05 42 01 03", /* LEN 7 */
        "80 01 61 00 0B 11 00 41 04 7F 00 00 05 42 01 03",                            /* empty */
        "80 01 61 00 15 11 0A 08 00 00 00 00 18 24 00 00 00 41 04 7F 00 00 05 42 01 03", /* trailing */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tu_apdu(c, bad[i], r, &rl), 0x6984);
    /* seven entries */
    uint8_t v[200];
    struct tlv_w w;
    uint8_t pol[63];
    for (int i = 0; i < 7; i++) {
        uint8_t e[9] = {8, 0, 0, 0, (uint8_t)i, 0xFF, 0xFF, 0, 0};
        memcpy(pol + 9 * i, e, 9);
    }
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol, sizeof pol);
    tlv_put_u32(&w, 0x41, 0x7F000005);
    tlv_put_u8(&w, 0x42, 0x03);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x6984);
    /* six entries incl. a PCR (44) and an object-id (12) extension are fine */
    uint8_t pol6[9 * 4 + 13 + 45];
    size_t pn = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t e[9] = {8, 0, 0, 0, (uint8_t)(i ? i : 0), 0xFF, 0xFF, 0, 0};
        if (i == 0)
            e[5] = 0x18; /* SIGN+VERIFY for no session */
        memcpy(pol6 + pn, e, 9);
        pn += 9;
    }
    pol6[pn] = 12;
    memset(pol6 + pn + 1, 0x11, 12);
    pn += 13;
    pol6[pn] = 44;
    memset(pol6 + pn + 1, 0x22, 44);
    pn += 45;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol6, pn);
    tlv_put_u32(&w, 0x41, 0x7F000005);
    tlv_put_u8(&w, 0x42, 0x03);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    /* ReadAttributes shows the policy and the origin (generated = 02) */
    assert_int_equal(tu_apdu(c, "80 02 00 3B 06 41 04 7F 00 00 05", r, &rl), 0x9000);
    const uint8_t *at;
    size_t atl;
    assert_true(tu_tlv(r, rl, 0x42, &at, &atl));
    assert_int_equal(atl, 14 + pn + 1);
    assert_memory_equal(at + 14, pol6, pn);
    assert_int_equal(at[atl - 1], 0x02);
    sim_card_close(c);
}

static void test_secret_reads(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    /* AES key, HMAC key, UserID: never readable */
    assert_int_equal(tu_apdu(c, "80 01 03 00 18 41 04 7F 00 00 20 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 20", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 20", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x10", 4);
    assert_int_equal(tu_apdu(c, "80 01 03 00 0B 41 04 7F 00 00 21 43 03 00 11 22", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 05 00 0B 41 04 7F 00 00 22 43 03 00 11 22", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 22", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0E 41 04 7F 00 00 23 42 06 01 02 03 04 05 06", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 23", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 42 00 26 06 41 04 7F 00 00 23", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x0C);
    /* type mismatch: HMAC write over an AES key */
    assert_int_equal(tu_apdu(c, "80 01 05 00 0B 41 04 7F 00 00 20 43 03 00 11 22", r, &rl), 0x6985);
    /* counter: create, increment, read, no decrement */
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 42 02 00 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_int_equal(rl, 6);
    assert_memory_equal(r + 4, "\x00\x02", 2);
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 43 02 00 01", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 08 00 0A 41 04 7F 00 00 30 43 02 FF FF", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 08 00 06 41 04 7F 00 00 30", r, &rl), 0x9000); /* saturates */
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 30", r, &rl), 0x9000);
    assert_memory_equal(r + 4, "\xFF\xFF", 2);
    sim_card_close(c);
}

static void test_binary(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t data[600], v[700];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    struct tlv_w w;
    /* 43 total length is required for a new object */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 50 44 02 01 02", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 7F 00 00 50 43 02 80 00", r, &rl), 0x6A80);
    /* two chunks: 0..399 with the creation, 400..599 after */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000050);
    tlv_put_u16(&w, 0x43, 600);
    tlv_put(&w, 0x44, data, 400);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000050);
    tlv_put_u16(&w, 0x42, 400);
    tlv_put(&w, 0x44, data + 400, 200);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x9000);
    /* beyond the end */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000050);
    tlv_put_u16(&w, 0x42, 590);
    tlv_put(&w, 0x44, data, 11);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x6A80);
    /* a different total length on an existing object */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000050);
    tlv_put_u16(&w, 0x43, 700);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x6A80);
    /* read whole, then a window */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 7F 00 00 50 00 00", r, &rl), 0x9000);
    assert_int_equal(rl, 604);
    assert_memory_equal(r + 4, data, 600);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F 00 00 50 42 02 01 F4 43 02 00 64", r, &rl), 0x9000);
    assert_int_equal(rl, 104);
    assert_memory_equal(r + 4, data + 500, 100);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0E 41 04 7F 00 00 50 42 02 01 F4 43 02 00 65", r, &rl), 0x6A80);
    /* size */
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 50", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x02\x58", 4);
    /* --tlv-long-form never: minimal length form */
    sim_card_close(c);
    struct sim_card_cfg cfg = {.tlv_form = SIM_TLV_NEVER};
    c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", r, &rl), 0x9000);
    assert_int_equal(rl, 20);
    assert_memory_equal(r, "\x41\x12", 2);
    sim_card_close(c);
    cfg.tlv_form = SIM_TLV_ALWAYS;
    c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 06", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x01\x01", 5);
    sim_card_close(c);
}

static void test_idlist_paging(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.idlist_page = 2};
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    /* 4 provisioned objects + 3 binaries: 7 ids */
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 00 00 00 03 43 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 00 00 00 01 43 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 06 00 0A 41 04 70 00 00 02 43 02 00 01", r, &rl), 0x9000);
    uint32_t ids[32], prev = 0;
    size_t total = 0;
    uint16_t off = 0;
    for (int page = 0; page < 10; page++) {
        uint8_t cmd[32];
        size_t n = tu_hex("80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00", cmd, sizeof cmd);
        cmd[9] = (uint8_t)(off >> 8);
        cmd[10] = (uint8_t)off;
        assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
        assert_int_equal(r[0], 0x41);
        assert_int_equal(r[1], 0x01);
        const uint8_t *v;
        size_t vl;
        assert_true(tu_tlv(r, rl, 0x42, &v, &vl));
        assert_int_equal(vl % 4, 0);
        assert_true(vl <= 8);
        for (size_t i = 0; i < vl / 4; i++) {
            uint32_t id = be32(v + 4 * i);
            assert_true(total == 0 || id > prev);
            prev = id;
            ids[total++] = id;
        }
        off = (uint16_t)(off + vl / 4);
        if (r[2] == 0x01)
            break;
        assert_int_equal(r[2], 0x02);
    }
    assert_int_equal(total, 7);
    assert_int_equal(ids[0], 0x00000001);
    assert_int_equal(ids[1], 0x00000003);
    assert_int_equal(ids[6], 0xF0000013);
    /* filter: binary files only (3 + UID + cert) */
    assert_int_equal(tu_apdu(c, "80 02 00 25 07 41 02 00 00 42 01 0B", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02\x42\x82\x00\x08\x00\x00\x00\x01\x00\x00\x00\x03", 15);
    /* an offset past the end: empty, no more */
    assert_int_equal(tu_apdu(c, "80 02 00 25 07 41 02 00 40 42 01 FF", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x82\x00\x00", 7);
    sim_card_close(c);
    /* default page: everything in one answer */
    c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 02 00 25 00 00 07 41 02 00 00 42 01 FF 00 00", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x01);
    sim_card_close(c);
}

static void test_memory_full(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card_cfg cfg = {.persistent_capacity = 4000, .transient_capacity = 300};
    struct sim_card *c = tu_open_selected(dir, &cfg);
    uint8_t v[600], data[500];
    struct tlv_w w;
    memset(data, 0xAB, sizeof data);
    int made = 0;
    uint16_t sw = 0x9000;
    for (uint32_t id = 0x100; sw == 0x9000 && id < 0x200; id++) {
        tlv_w_init(&w, v, sizeof v);
        tlv_put_u32(&w, 0x41, id);
        tlv_put_u16(&w, 0x43, 400);
        tlv_put(&w, 0x44, data, 400);
        sw = tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl);
        if (sw == 0x9000)
            made++;
    }
    assert_int_equal(sw, 0x6A84);
    assert_true(made >= 3);
    uint32_t failed = 0x100 + (uint32_t)made;
    /* nothing changed: object absent, free memory and state file unchanged */
    uint8_t mem1[8], mem2[8];
    size_t ml;
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", mem1, &ml), 0x9000);
    char path[512];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t s1[65536], s2[65536];
    size_t l1 = fread(s1, 1, sizeof s1, f);
    fclose(f);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, failed);
    tlv_put_u16(&w, 0x43, 400);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x6A84);
    uint8_t ex[6] = {0x41, 4, (uint8_t)(failed >> 24), (uint8_t)(failed >> 16), (uint8_t)(failed >> 8), (uint8_t)failed};
    assert_int_equal(tu_cmd(c, 0x80, 0x04, 0x00, 0x27, ex, 6, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 22 03 41 01 01", mem2, &ml), 0x9000);
    assert_memory_equal(mem1, mem2, 4);
    f = fopen(path, "rb");
    size_t l2 = fread(s2, 1, sizeof s2, f);
    fclose(f);
    assert_int_equal(l1, l2);
    assert_memory_equal(s1, s2, l1);
    /* deleting one frees room again */
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 00 00 01 00", r, &rl), 0x9000);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x9000);
    /* transient memory full too */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x300);
    tlv_put_u16(&w, 0x43, 400);
    assert_int_equal(tu_cmd(c, 0x80, 0x81, 0x06, 0x00, v, w.len, r, &rl), 0x6A84);
    sim_card_close(c);
    tu_rmdir(dir);
}

static void test_transient_and_persistence(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01\x42\x01\x02", 6);
    uint8_t pub1[100], pub2[100];
    read_pub(c, 0x7F000001, pub1);
    /* attempt a second card on the same directory */
    struct sim_card_cfg cfg = {.state_dir = dir};
    struct sim_card *c2 = NULL;
    char err[512];
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "is in use by another se05x-sim (pid"));
    /* chip reset: transient value gone, shell stays */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    sim_card_close(c);
    /* restart: persistent key and curve survive, transient object is gone */
    c = tu_open_selected(dir, NULL);
    read_pub(c, 0x7F000001, pub2);
    assert_memory_equal(pub1, pub2, 65);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 02", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x02);
    uint8_t cmd[100];
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 01 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 1, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    /* the UID is stable across restarts */
    uint8_t u1[32], u2[32];
    size_t ul;
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", u1, &ul), 0x9000);
    sim_card_close(c);
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 02 00 00 0A 41 04 7F FF 02 06 43 02 00 12", u2, &ul), 0x9000);
    assert_memory_equal(u1, u2, 22);
    sim_card_close(c);
    /* a corrupted state file is refused, not dropped */
    char path[512];
    snprintf(path, sizeof path, "%s/state", dir);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 100, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "corrupted"));
    /* truncated too */
    assert_int_equal(truncate(path, 30), 0);
    assert_int_not_equal(sim_card_open(&cfg, &c2, err, sizeof err), 0);
    assert_non_null(strstr(err, "corrupted"));
    tu_rmdir(dir);
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
        tlv_w_init(&w, cmdv, sizeof cmdv);
        tlv_put_u32(&w, 0x41, 0x7F000060);
        tlv_put_u8(&w, 0x42, pss ? 0x2C : 0x28);
        tlv_put(&w, 0x43, msg, sizeof msg);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, cmdv, w.len, r, &rl), 0x9000);
        assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
        assert_int_equal(vl, 256);
        uint8_t sig[256];
        memcpy(sig, v, 256);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pk), 1);
        if (pss) {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
        }
        assert_int_equal(EVP_DigestVerify(md, sig, 256, msg, sizeof msg), 1);
        EVP_MD_CTX_free(md);
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
        tlv_w_init(&w, cmdv, sizeof cmdv);
        tlv_put_u32(&w, 0x41, 0x7F000060);
        tlv_put_u8(&w, 0x42, a);
        tlv_put(&w, 0x43, msg, 32);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x02, 0x37, cmdv, w.len, r, &rl), 0x9000);
        assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
        uint8_t ct[256];
        memcpy(ct, v, 256);
        tlv_w_init(&w, cmdv, sizeof cmdv);
        tlv_put_u32(&w, 0x41, 0x7F000060);
        tlv_put_u8(&w, 0x42, a);
        tlv_put(&w, 0x43, ct, 256);
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
    tlv_w_init(&w, cmdv, sizeof cmdv);
    tlv_put_u32(&w, 0x41, 0x7F000060);
    tlv_put_u8(&w, 0x42, 0x0C);
    tlv_put(&w, 0x43, em, 256);
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
    tlv_w_init(&w, cmdv, sizeof cmdv);
    tlv_put_u32(&w, 0x41, 0x7F000060);
    tlv_put_u8(&w, 0x42, 0x0C);
    tlv_put(&w, 0x43, em, 255);
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
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    static const char *names[] = {OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
                                  OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
                                  OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_E,
                                  OSSL_PKEY_PARAM_RSA_N};
    static const uint8_t tags[] = {0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x4A};
    uint8_t cmdv[400], comp[300];
    struct tlv_w w;
    for (int i = 0; i < 7; i++) {
        BIGNUM *bn = NULL;
        assert_true(EVP_PKEY_get_bn_param(host, names[i], &bn));
        int len = BN_bn2bin(bn, comp + 1);
        comp[0] = 0; /* a leading zero, as hosts add for odd lengths */
        BN_free(bn);
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
    tlv_w_init(&w, cmdv, sizeof cmdv);
    tlv_put_u32(&w, 0x41, 0x7F000070);
    tlv_put_u8(&w, 0x42, 0x28);
    tlv_put(&w, 0x43, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, cmdv, w.len, r, &rl), 0x9000);
    const uint8_t *v;
    size_t vl;
    assert_true(tu_tlv(r, rl, 0x41, &v, &vl));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, host), 1);
    assert_int_equal(EVP_DigestVerify(md, v, vl, msg, sizeof msg), 1);
    EVP_MD_CTX_free(md);
    assert_int_equal(tu_apdu(c, "80 02 00 00 09 41 04 7F 00 00 70 44 01 00", r, &rl), 0x6986);
    assert_int_equal(tu_apdu(c, "80 04 00 28 06 41 04 7F 00 00 70", r, &rl), 0x6986);
    /* a public key import (RAW n, e) and a mismatched public exponent length */
    EVP_PKEY_free(host);
    sim_card_close(c);
}


/* §18 3.x attested read with the provisioned key F0000012; its certificate
 * F0000013 carries the same key and chains to DIR/ca.crt. */
static void test_attestation(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    uint8_t apub[100], fresh[16], cmd[100];
    read_pub(c, 0xF0000012, apub);
    RAND_bytes(fresh, sizeof fresh);
    /* §6: 80 22 00 00 00 00 21 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 10 <16 B> 00 00 */
    size_t n = tu_hex("80 22 00 00 00 00 21 41 04 7F 00 00 01 45 04 F0 00 00 12 46 01 21 47 10", cmd, sizeof cmd);
    memcpy(cmd + n, fresh, 16);
    n += 16;
    cmd[n++] = 0;
    cmd[n++] = 0;
    assert_int_equal(tu_apdu_bin(c, cmd, n, r, &rl), 0x9000);
    const uint8_t *v[6];
    size_t vl[6];
    uint8_t msg[1024];
    size_t ml = 0;
    for (int i = 0; i < 6; i++) {
        assert_true(tu_tlv(r, rl, (uint8_t)(0x41 + i), &v[i], &vl[i]));
        if (i < 5) {
            memcpy(msg + ml, v[i], vl[i]);
            ml += vl[i];
        }
    }
    assert_int_equal(vl[0], 65);
    assert_int_equal(vl[2], 12);
    assert_int_equal(vl[3], 16);
    assert_memory_equal(v[3], fresh, 16);
    assert_int_equal(vl[4], 18);
    assert_memory_equal(v[4], "\x04\x00\x50\x01", 4);
    assert_memory_equal(v[1], "\x7F\x00\x00\x01\x01", 5);
    EVP_PKEY *pk = ec_pub("P-256", apub, 65);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(md, v[5], vl[5], msg, ml), 1);
    EVP_MD_CTX_free(md);
    /* freshness must be 16 bytes; the key must allow attestation */
    cmd[6] = 0x20;
    cmd[23] = 0x0F;
    assert_int_equal(tu_apdu_bin(c, cmd, n - 1, r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 01 61 00 14 11 09 08 00 00 00 00 10 00 00 00 41 04 7F 00 00 02 42 01 03", r, &rl), 0x9000);
    n = tu_hex("80 22 00 00 00 00 21 41 04 7F FF 02 06 45 04 7F 00 00 02 46 01 21 47 10", cmd, sizeof cmd);
    memset(cmd + n, 0, 18);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 18, r, &rl), 0x6986);
    /* certificate: same public key, verifies with the CA of the state directory */
    assert_int_equal(tu_apdu(c, "80 02 00 00 00 00 06 41 04 F0 00 00 13 00 00", r, &rl), 0x9000);
    const unsigned char *der = r + 4;
    X509 *x = d2i_X509(NULL, &der, (long)(rl - 4));
    assert_non_null(x);
    EVP_PKEY *xk = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_eq(xk, pk), 1);
    char path[512];
    snprintf(path, sizeof path, "%s/ca.crt", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(ca);
    assert_int_equal(X509_verify(x, X509_get0_pubkey(ca)), 1);
    X509_free(ca);
    X509_free(x);
    EVP_PKEY_free(pk);
    sim_card_close(c);
    tu_rmdir(dir);
}

/* Curves of every size class: generate, sign on the card, verify with
 * libcrypto (secp160k1 has a 21-byte order, P-521 66-byte coordinates). */
static void test_other_curves(void **st)
{
    (void)st;
    static const struct {
        uint8_t id;
        const char *name, *group;
        uint8_t algo;
        size_t dlen;
    } cs[] = {{0x0D, "secp160k1", "secp160k1", 0x11, 20},
              {0x05, "secp521r1", "P-521", 0x26, 64},
              {0x0B, "brainpoolP384r1", "brainpoolP384r1", 0x22, 48},
              {0x10, "secp256k1", "secp256k1", 0x21, 32}};
    struct sim_card *c = tu_open_selected(NULL, NULL);
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        uint8_t v[200], pub[200], dg[64];
        struct tlv_w w;
        uint32_t id = 0x7F000100u + (uint32_t)i;
        tu_create_curve(c, cs[i].id, cs[i].name);
        tlv_w_init(&w, v, sizeof v);
        tlv_put_u32(&w, 0x41, id);
        tlv_put_u8(&w, 0x42, cs[i].id);
        assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x9000);
        size_t pl = read_pub(c, id, pub);
        EVP_PKEY *pk = ec_pub(cs[i].group, pub, pl);
        RAND_bytes(dg, sizeof dg);
        tlv_w_init(&w, v, sizeof v);
        tlv_put_u32(&w, 0x41, id);
        tlv_put_u8(&w, 0x42, cs[i].algo);
        tlv_put(&w, 0x43, dg, cs[i].dlen);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
        const uint8_t *sig;
        size_t sl;
        assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
        EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(pk, NULL);
        assert_int_equal(EVP_PKEY_verify_init(vctx), 1);
        assert_int_equal(EVP_PKEY_verify(vctx, sig, sl, dg, cs[i].dlen), 1);
        EVP_PKEY_CTX_free(vctx);
        /* ReadSize = field size */
        uint8_t rs[6] = {0x41, 4, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
        assert_int_equal(tu_cmd(c, 0x80, 0x02, 0x00, 0x07, rs, 6, r, &rl), 0x9000);
        assert_int_equal(r[3], (pl - 1) / 2);
        EVP_PKEY_free(pk);
    }
    /* a host secp160k1 key (order of 161 bits) imported as private + public */
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp160k1");
    BIGNUM *d = NULL;
    uint8_t priv[21], pub[41], v[200];
    size_t pl;
    assert_true(EVP_PKEY_get_bn_param(host, OSSL_PKEY_PARAM_PRIV_KEY, &d));
    BN_bn2binpad(d, priv, 21);
    assert_true(EVP_PKEY_get_octet_string_param(host, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &pl));
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000200);
    tlv_put_u8(&w, 0x42, 0x0D);
    tlv_put(&w, 0x43, priv, 21);
    tlv_put(&w, 0x44, pub, pl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x61, 0x00, v, w.len, r, &rl), 0x9000);
    BN_free(d);
    EVP_PKEY_free(host);
    sim_card_close(c);
}

/* RAW RSA import (n, e, d) and a public key; the format is fixed. */
static void test_rsa_raw(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    EVP_PKEY *host = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    BIGNUM *bn = NULL;
    uint8_t n[128], e[4], dd[128], v[400];
    int el;
    assert_true(EVP_PKEY_get_bn_param(host, OSSL_PKEY_PARAM_RSA_N, &bn));
    BN_bn2binpad(bn, n, 128);
    BN_free(bn);
    bn = NULL;
    assert_true(EVP_PKEY_get_bn_param(host, OSSL_PKEY_PARAM_RSA_E, &bn));
    el = BN_bn2bin(bn, e);
    BN_free(bn);
    bn = NULL;
    assert_true(EVP_PKEY_get_bn_param(host, OSSL_PKEY_PARAM_RSA_D, &bn));
    BN_bn2binpad(bn, dd, 128);
    BN_free(bn);
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
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000080);
    tlv_put_u8(&w, 0x42, 0x2A); /* PKCS#1 SHA-512 */
    tlv_put(&w, 0x43, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0C, 0x09, v, w.len, r, &rl), 0x9000);
    const uint8_t *sig;
    size_t sl;
    assert_true(tu_tlv(r, rl, 0x41, &sig, &sl));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha512(), NULL, host), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, sl, msg, sizeof msg), 1);
    EVP_MD_CTX_free(md);
    /* public key only: verify and encrypt work, sign/decrypt do not */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000081);
    tlv_put_u16(&w, 0x42, 1024);
    tlv_put(&w, 0x48, e, (size_t)el);
    tlv_put(&w, 0x4A, n, 128);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x22, 0x00, v, w.len, r, &rl), 0x9000);
    uint8_t sigc[128];
    memcpy(sigc, sig, 128);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000081);
    tlv_put_u8(&w, 0x42, 0x2A);
    tlv_put(&w, 0x43, msg, sizeof msg);
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

/* Sends inner (hex) inside ProcessSessionCmd of session sid. */
static uint16_t in_session(struct sim_card *c, const uint8_t sid[8], const char *inner)
{
    uint8_t in[300], v[400];
    size_t n = tu_hex(inner, in, sizeof in);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x10, sid, 8);
    tlv_put(&w, 0x41, in, n);
    return tu_cmd(c, 0x80, 0x05, 0x00, 0x00, v, w.len, r, &rl);
}

static void open_session(struct sim_card *c, const char *create, uint8_t sid[8])
{
    const uint8_t *v;
    size_t n;
    assert_int_equal(tu_apdu(c, create, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &v, &n));
    assert_int_equal(n, 8);
    memcpy(sid, v, 8);
}

/* §13 UserID sessions, policies per auth object, §17 DeleteAll. */
static void test_sessions(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t s1[8], s2[8], s3[8];
    tu_create_curve(c, 0x03, "prime256v1");
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    /* FACTORY_RESET and a demo UserID (max 2 attempts) */
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 05 42 04 01 02 03 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 41 07 00 10 12 02 00 02 41 04 7D A0 00 01 42 04 0A 0B 0C 0D", r, &rl), 0x9000);
    /* an object readable only in the 7DA00001 session */
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 7D A0 00 01 00 20 00 00 41 04 7F 00 00 60 43 02 00 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 60", r, &rl), 0x6986);
    /* sessions: missing or non-auth objects refused */
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7D A0 00 09", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F 00 00 01", r, &rl), 0x6985);
    open_session(c, "80 04 00 1B 06 41 04 7D A0 00 01", s1);
    /* unauthenticated: only the handshake */
    assert_int_equal(in_session(c, s1, "80 02 00 00 06 41 04 7F 00 00 60"), 0x6982);
    assert_int_equal(in_session(c, s1, "80 04 00 2C 06 41 04 0A 0B 0C 0E"), 0x6985);
    assert_int_equal(in_session(c, s1, "80 04 00 2C 06 41 04 0A 0B 0C 0D"), 0x9000);
    assert_int_equal(in_session(c, s1, "80 02 00 00 06 41 04 7F 00 00 60"), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x04", 4);
    /* in the session, rules for 00000000 no longer apply: the default-policy
     * key is still usable (no policy), the UID too */
    assert_int_equal(in_session(c, s1, "80 04 00 27 06 41 04 7F 00 00 01"), 0x9000);
    /* third session: no resources */
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 05", s2);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7F FF 02 05", r, &rl), 0x6A84);
    /* DeleteAll: not outside, not in the 7DA00001 session, not before VerifySessionUserID */
    assert_int_equal(tu_apdu(c, "80 04 00 2A 00", r, &rl), 0x6982);
    assert_int_equal(in_session(c, s1, "80 04 00 2A 00"), 0x6982);
    assert_int_equal(in_session(c, s2, "80 04 00 2A 00"), 0x6982);
    /* close s1; its id is dead afterwards */
    assert_int_equal(in_session(c, s1, "80 04 00 1C 00"), 0x9000);
    assert_int_equal(in_session(c, s1, "80 04 00 27 06 41 04 7F 00 00 01"), 0x6985);
    assert_int_equal(in_session(c, s2, "80 04 00 2C 06 41 04 01 02 03 04"), 0x9000);
    assert_int_equal(in_session(c, s2, "80 04 00 2A 00"), 0x9000);
    /* everything but PROVISIONED objects is gone, curves too; sessions torn down */
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F FF 02 05", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 F0 00 00 12", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    assert_int_equal(tu_apdu(c, "80 02 0B 25 00", r, &rl), 0x9000);
    assert_int_equal(r[4 + 2], 0x01);
    assert_int_equal(in_session(c, s2, "80 04 00 27 06 41 04 7F 00 00 01"), 0x6985);
    /* max attempts: two failures block the UserID */
    assert_int_equal(tu_apdu(c, "80 41 07 00 10 12 02 00 02 41 04 7D A0 00 01 42 04 0A 0B 0C 0D", r, &rl), 0x9000);
    open_session(c, "80 04 00 1B 06 41 04 7D A0 00 01", s3);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 00 00 00 00"), 0x6985);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 00 00 00 00"), 0x6985);
    assert_int_equal(in_session(c, s3, "80 04 00 2C 06 41 04 0A 0B 0C 0D"), 0x6985);
    /* a deselect drops the sessions */
    assert_int_equal(tu_apdu(c, "00 A4 04 00 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(in_session(c, s3, "80 04 00 1C 00"), 0x6985);
    /* malformed wrappers */
    assert_int_equal(tu_apdu(c, "80 05 00 00 05 10 03 01 02 03", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 05 01 00 00", r, &rl), 0x6A86);
    sim_card_close(c);
}

/* §5 PCR objects and the REQUIRE_PCR_VALUE policy bit. */
static void test_pcr(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t zero[32] = {0}, expect[32], v[200], buf[64];
    unsigned ml;
    memcpy(buf, zero, 32);
    memcpy(buf + 32, "abc", 3);
    EVP_Digest(buf, 35, expect, &ml, EVP_sha256(), NULL);
    assert_int_equal(tu_apdu(c, "80 01 09 00 0B 41 04 7F 00 00 90 43 03 61 62 63", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(rl, 36);
    assert_memory_equal(r + 4, expect, 32);
    assert_int_equal(tu_apdu(c, "80 02 00 07 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x02\x00\x20", 4);
    assert_int_equal(tu_apdu(c, "80 02 00 26 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(r[2], 0x0F);
    /* a file readable only while the PCR holds `expect` */
    uint8_t pol[45] = {44, 0, 0, 0, 0, 0x00, 0x21, 0x00, 0x00, 0x7F, 0x00, 0x00, 0x90};
    memcpy(pol + 13, expect, 32);
    struct tlv_w w;
    tlv_w_init(&w, v, sizeof v);
    tlv_put(&w, 0x11, pol, sizeof pol);
    tlv_put_u32(&w, 0x41, 0x7F000091);
    tlv_put_u16(&w, 0x43, 4);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x06, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 91", r, &rl), 0x9000);
    /* extend: value changes, the file is locked */
    assert_int_equal(tu_apdu(c, "80 01 09 00 09 41 04 7F 00 00 90 43 01 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 91", r, &rl), 0x6986);
    /* reset (no TAG 42/43) brings zeros back; an initial value on an existing PCR is refused */
    assert_int_equal(tu_apdu(c, "80 01 09 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 90", r, &rl), 0x9000);
    assert_memory_equal(r + 4, zero, 32);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000090);
    tlv_put(&w, 0x42, zero, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x09, 0x00, v, w.len, r, &rl), 0x6A80);
    /* PCR with an explicit initial value */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F000092);
    tlv_put(&w, 0x42, expect, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x09, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 92", r, &rl), 0x9000);
    assert_memory_equal(r + 4, expect, 32);
    sim_card_close(c);
}

/* A13: SetLockState in a TRANSPORT (7FFF0200) session; a locked applet
 * answers 6985 to everything but that session; the persistent lock
 * survives a restart. */
static void test_lock_state(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t sid[8];
    assert_int_equal(tu_apdu(c, "80 04 00 3E 06 41 01 01 42 01 01", r, &rl), 0x6982);
    assert_int_equal(tu_apdu(c, "80 41 07 00 0C 41 04 7F FF 02 00 42 04 11 22 33 44", r, &rl), 0x9000);
    /* a binary nobody may read without the TRANSPORT session */
    assert_int_equal(tu_apdu(c, "80 01 06 00 15 11 09 08 00 00 00 00 20 00 00 00 41 04 7F 00 00 70 43 02 00 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 70", r, &rl), 0x6986);
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 00", sid);
    assert_int_equal(in_session(c, sid, "80 04 00 2C 06 41 04 11 22 33 44"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 02 00 00 06 41 04 7F 00 00 70"), 0x9000); /* full access */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 01"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 70", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 00 1B 06 41 04 7D A0 00 01", r, &rl), 0x6985);
    assert_int_equal(in_session(c, sid, "80 04 00 20 00"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 02"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    /* persistent lock: survives a restart, released in a new TRANSPORT session */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 02 42 01 01"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    sim_card_close(c);
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x6985);
    open_session(c, "80 04 00 1B 06 41 04 7F FF 02 00", sid);
    assert_int_equal(in_session(c, sid, "80 04 00 2C 06 41 04 11 22 33 44"), 0x9000);
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 02 42 01 00"), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    /* a transient lock ends with a chip reset */
    assert_int_equal(in_session(c, sid, "80 04 00 3E 06 41 01 01 42 01 01"), 0x9000);
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 20 00", r, &rl), 0x9000);
    sim_card_close(c);
    tu_rmdir(dir);
}

/* §5 ExportObject / ImportObject: transient keys only, IMPORT_EXPORT policy,
 * blobs readable by this card only, import into an existing shell after the
 * value was lost (chip reset). */
static void test_export_import(void **st)
{
    (void)st;
    char *dir = tu_tmpdir();
    struct sim_card *c = tu_open_selected(dir, NULL);
    uint8_t blob[800], blob2[800], pub1[100], pub2[100], v[900];
    size_t bl, bl2;
    const uint8_t *p;
    struct tlv_w w;
    tu_create_curve(c, 0x03, "prime256v1");
    /* transient EC key; persistent keys cannot be exported */
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 A0 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, GEN_P256, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 19 09 41 04 7F 00 00 01 42 01 FF", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 02 00 19 09 41 04 7F 00 00 A0 42 01 FF", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &bl));
    memcpy(blob, p, bl);
    read_pub(c, 0x7F0000A0, pub1);
    /* the value is lost at a chip reset; the blob brings it back */
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 00 06 41 04 7F 00 00 A0", r, &rl), 0x6985);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000A0);
    tlv_put(&w, 0x43, blob, bl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl), 0x9000);
    read_pub(c, 0x7F0000A0, pub2);
    assert_memory_equal(pub1, pub2, 65);
    /* the key signs again */
    uint8_t cmd[80];
    size_t n = tu_hex("80 03 0C 09 2B 41 04 7F 00 00 A0 42 01 21 43 20", cmd, sizeof cmd);
    memset(cmd + n, 3, 32);
    assert_int_equal(tu_apdu_bin(c, cmd, n + 32, r, &rl), 0x9000);
    /* a tampered blob, a blob of another type, a missing target */
    blob[5] ^= 1;
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000A0);
    tlv_put(&w, 0x43, blob, bl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl), 0x6A80);
    blob[5] ^= 1;
    assert_int_equal(tu_apdu(c, "80 81 03 00 18 41 04 7F 00 00 A1 43 10 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000A1);
    tlv_put(&w, 0x43, blob, bl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl), 0x6A80);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000A9);
    tlv_put(&w, 0x43, blob, bl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl), 0x6A80);
    /* the AES key round-trips too; the blob never shows the key */
    assert_int_equal(tu_apdu(c, "80 02 00 19 09 41 04 7F 00 00 A1 42 01 FF", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &bl2));
    memcpy(blob2, p, bl2);
    assert_null(memmem(blob2, bl2, "\x00\x11\x22\x33\x44\x55\x66\x77", 8));
    /* a policy without IMPORT_EXPORT */
    assert_int_equal(tu_apdu(c, "80 81 61 00 14 11 09 08 00 00 00 00 10 00 00 00 41 04 7F 00 00 A2 42 01 03", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 00 19 09 41 04 7F 00 00 A2 42 01 FF", r, &rl), 0x6986);
    sim_card_close(c);
    /* after a restart (same chip secret) the blob still imports into a new shell */
    c = tu_open_selected(dir, NULL);
    assert_int_equal(tu_apdu(c, "80 81 61 00 09 41 04 7F 00 00 A0 42 01 03", r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000A0);
    tlv_put(&w, 0x43, blob, bl);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x00, 0x18, v, w.len, r, &rl), 0x9000);
    read_pub(c, 0x7F0000A0, pub2);
    assert_memory_equal(pub1, pub2, 65);
    sim_card_close(c);
    tu_rmdir(dir);
}

/* One-shot digest, MAC, cipher, HKDF and PBKDF2 against libcrypto. */
static void test_symmetric(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t v[600], want[128], msg[100], iv[16];
    size_t wl;
    const uint8_t *p;
    size_t pn;
    struct tlv_w w;
    RAND_bytes(msg, sizeof msg);
    RAND_bytes(iv, sizeof iv);
    /* DigestOneShot SHA-256 */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u8(&w, 0x41, 0x04);
    tlv_put(&w, 0x42, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x0E, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    unsigned ml;
    EVP_Digest(msg, sizeof msg, want, &ml, EVP_sha256(), NULL);
    assert_int_equal(pn, 32);
    assert_memory_equal(p, want, 32);
    /* HMAC key, MAC generate/validate */
    uint8_t hk[32], ak[16];
    RAND_bytes(hk, sizeof hk);
    RAND_bytes(ak, sizeof ak);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put(&w, 0x43, hk, sizeof hk);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x05, 0x00, v, w.len, r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put(&w, 0x43, ak, sizeof ak);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x03, 0x00, v, w.len, r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x19);
    tlv_put(&w, 0x43, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hk, sizeof hk, msg, sizeof msg, want, sizeof want, &wl));
    assert_int_equal(pn, wl);
    assert_memory_equal(p, want, wl);
    tlv_put(&w, 0x45, want, wl);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x46, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x01", 3);
    v[w.len - 1] ^= 1;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x46, v, w.len, r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* AES-CMAC; CMAC with an HMAC key is refused */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put_u8(&w, 0x42, 0x31);
    tlv_put(&w, 0x43, msg, sizeof msg);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_non_null(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, ak, sizeof ak, msg, sizeof msg, want, sizeof want, &wl));
    assert_memory_equal(p, want, 16);
    v[5] = 0xB0;
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x45, v, w.len, r, &rl), 0x6985);
    /* AES-CBC encrypt on the card, decrypt on the card and with libcrypto */
    uint8_t ct[96];
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put_u8(&w, 0x42, 0x0D);
    tlv_put(&w, 0x43, msg, 96);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 96);
    memcpy(ct, p, 96);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    int a1 = 0, a2 = 0;
    EVP_DecryptInit_ex(cx, EVP_aes_128_cbc(), NULL, ak, iv);
    EVP_CIPHER_CTX_set_padding(cx, 0);
    EVP_DecryptUpdate(cx, want, &a1, ct, 96);
    EVP_DecryptFinal_ex(cx, want + a1, &a2);
    EVP_CIPHER_CTX_free(cx);
    assert_memory_equal(want, msg, 96);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put_u8(&w, 0x42, 0x0D);
    tlv_put(&w, 0x43, ct, 96);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x38, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_memory_equal(p, msg, 96);
    /* CTR takes any length; ECB/CBC need whole blocks */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put_u8(&w, 0x42, 0xF0);
    tlv_put(&w, 0x43, msg, 33);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 33);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B1);
    tlv_put_u8(&w, 0x42, 0x0E);
    tlv_put(&w, 0x43, msg, 33);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x6A80);
    /* HKDF-SHA256 with salt and info */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x04);
    tlv_put(&w, 0x43, "salt", 4);
    tlv_put(&w, 0x44, "info", 4);
    tlv_put_u16(&w, 0x45, 42);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 42);
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM hp[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                       OSSL_PARAM_construct_octet_string("key", hk, sizeof hk),
                       OSSL_PARAM_construct_octet_string("salt", (char *)"salt", 4),
                       OSSL_PARAM_construct_octet_string("info", (char *)"info", 4),
                       OSSL_PARAM_construct_end()};
    assert_int_equal(EVP_KDF_derive(kc, want, 42, hp), 1);
    assert_memory_equal(p, want, 42);
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    /* HKDF output up to the response limit (888 bytes), not beyond */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x06);
    tlv_put_u16(&w, 0x45, 888);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x9000);
    assert_int_equal(rl, 892);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put_u8(&w, 0x42, 0x06);
    tlv_put_u16(&w, 0x45, 889);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2D, v, w.len, r, &rl), 0x6A80);
    /* PBKDF2 (HMAC-SHA256) */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B0);
    tlv_put(&w, 0x42, "NaCl", 4);
    tlv_put_u16(&w, 0x43, 100);
    tlv_put_u16(&w, 0x44, 64);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x00, 0x2E, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)hk, sizeof hk, (const unsigned char *)"NaCl", 4, 100, EVP_sha256(), 64, want), 1);
    assert_memory_equal(p, want, 64);
    /* policies: an AES key allowed to encrypt only */
    assert_int_equal(tu_apdu(c, "80 01 03 00 23 11 09 08 00 00 00 00 02 00 00 00 41 04 7F 00 00 B2 43 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000B2);
    tlv_put_u8(&w, 0x42, 0x0E);
    tlv_put(&w, 0x43, msg, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x37, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x38, v, w.len, r, &rl), 0x6986);
    sim_card_close(c);
}

/* Crypto objects: multi-step digest, cipher and MAC against libcrypto. */
static void test_crypto_objects(void **st)
{
    (void)st;
    struct sim_card *c = tu_open_selected(NULL, NULL);
    uint8_t want[128], msg[48], iv[16], ak[16], hk[32], v[300];
    const uint8_t *p;
    size_t pn, wl;
    unsigned ml;
    struct tlv_w w;
    RAND_bytes(msg, sizeof msg);
    RAND_bytes(iv, sizeof iv);
    RAND_bytes(ak, sizeof ak);
    RAND_bytes(hk, sizeof hk);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x00", 4);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 01 42 01 01 43 01 04", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 09 42 01 01 43 01 99", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x04\x00\x01\x01\x04", 8);
    /* digest: Update before Init is refused; Init, Update abc, Final def */
    assert_int_equal(tu_apdu(c, "80 03 00 0C 09 42 02 00 01 43 03 61 62 63", r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 03 00 0B 04 42 02 00 01", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 03 00 0C 09 42 02 00 01 43 03 61 62 63", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 03 00 0D 09 42 02 00 01 43 03 64 65 66", r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    EVP_Digest("abcdef", 6, want, &ml, EVP_sha256(), NULL);
    assert_int_equal(pn, 32);
    assert_memory_equal(p, want, 32);
    /* cipher: AES-CBC over two steps */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C1);
    tlv_put(&w, 0x43, ak, sizeof ak);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x03, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 02 42 01 02 43 01 0D", r, &rl), 0x9000);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C1);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x44, iv, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x42, v, w.len, r, &rl), 0x9000);
    uint8_t ct[48];
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x43, msg, 32);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x0C, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 32);
    memcpy(ct, p, 32);
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u16(&w, 0x42, 2);
    tlv_put(&w, 0x43, msg + 32, 16);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0E, 0x0D, v, w.len, r, &rl), 0x9000);
    assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
    assert_int_equal(pn, 16);
    memcpy(ct + 32, p, 16);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    int a1 = 0, a2 = 0;
    EVP_EncryptInit_ex(cx, EVP_aes_128_cbc(), NULL, ak, iv);
    EVP_CIPHER_CTX_set_padding(cx, 0);
    EVP_EncryptUpdate(cx, want, &a1, msg, 48);
    EVP_EncryptFinal_ex(cx, want + a1, &a2);
    EVP_CIPHER_CTX_free(cx);
    assert_memory_equal(ct, want, 48);
    /* MAC: HMAC-SHA256 generate in two steps, then validate */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C2);
    tlv_put(&w, 0x43, hk, sizeof hk);
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x05, 0x00, v, w.len, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 01 10 00 0A 41 02 00 03 42 01 03 43 01 19", r, &rl), 0x9000);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hk, sizeof hk, msg, sizeof msg, want, sizeof want, &wl));
    for (int validate = 0; validate < 2; validate++) {
        tlv_w_init(&w, v, sizeof v);
        tlv_put_u32(&w, 0x41, 0x7F0000C2);
        tlv_put_u16(&w, 0x42, 3);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, validate ? 0x44 : 0x03, v, w.len, r, &rl), 0x9000);
        tlv_w_init(&w, v, sizeof v);
        tlv_put(&w, 0x41, msg, 20);
        tlv_put_u16(&w, 0x42, 3);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x0C, v, w.len, r, &rl), 0x9000);
        tlv_w_init(&w, v, sizeof v);
        tlv_put(&w, 0x41, msg + 20, 28);
        tlv_put_u16(&w, 0x42, 3);
        if (validate)
            tlv_put(&w, 0x43, want, wl);
        assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x0D, v, w.len, r, &rl), 0x9000);
        if (validate) {
            assert_memory_equal(r, "\x41\x01\x01", 3);
        } else {
            assert_true(tu_tlv(r, rl, 0x41, &p, &pn));
            assert_int_equal(pn, wl);
            assert_memory_equal(p, want, wl);
        }
    }
    /* a cipher object is not a MAC object; delete; deselect drops the rest */
    tlv_w_init(&w, v, sizeof v);
    tlv_put_u32(&w, 0x41, 0x7F0000C2);
    tlv_put_u16(&w, 0x42, 2);
    assert_int_equal(tu_cmd(c, 0x80, 0x03, 0x0D, 0x03, v, w.len, r, &rl), 0x6985);
    assert_int_equal(tu_apdu(c, "80 04 10 28 04 41 02 00 02", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 10 28 04 41 02 00 02", r, &rl), 0x6A80);
    assert_int_equal(tu_apdu(c, "00 A4 04 00 00", r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 02 10 25 00", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x82\x00\x00", 4);
    sim_card_close(c);
}

/* Configurable choices: A4 shells dropped at a chip reset, A10 short freshness. */
static void test_options(void **st)
{
    (void)st;
    struct sim_card_cfg cfg = {.reset_drops_shells = true, .freshness_any = true};
    struct sim_card *c = tu_open_selected(NULL, &cfg);
    assert_int_equal(tu_apdu(c, "80 81 06 00 0A 41 04 7F 00 00 01 43 02 00 04", r, &rl), 0x9000);
    sim_card_chip_reset(c);
    assert_int_equal(tu_apdu(c, SEL, r, &rl), 0x9000);
    assert_int_equal(tu_apdu(c, "80 04 00 27 06 41 04 7F 00 00 01", r, &rl), 0x9000);
    assert_memory_equal(r, "\x41\x01\x02", 3);
    /* 4-byte freshness accepted and echoed */
    assert_int_equal(tu_apdu(c, "80 22 00 00 00 00 15 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 04 01 02 03 04 00 00", r, &rl), 0x9000);
    const uint8_t *v;
    size_t n;
    assert_true(tu_tlv(r, rl, 0x44, &v, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(v, "\x01\x02\x03\x04", 4);
    sim_card_close(c);
    c = tu_open_selected(NULL, NULL);
    assert_int_equal(tu_apdu(c, "80 22 00 00 00 00 15 41 04 7F FF 02 06 45 04 F0 00 00 12 46 01 21 47 04 01 02 03 04 00 00", r, &rl), 0x6A80);
    sim_card_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_mgmt),
        cmocka_unit_test(test_uid_and_cert),
        cmocka_unit_test(test_curves),
        cmocka_unit_test(test_ecdsa),
        cmocka_unit_test(test_ec_import_private),
        cmocka_unit_test(test_ecdh),
        cmocka_unit_test(test_eddsa),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_secret_reads),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_idlist_paging),
        cmocka_unit_test(test_memory_full),
        cmocka_unit_test(test_transient_and_persistence),
        cmocka_unit_test(test_rsa),
        cmocka_unit_test(test_rsa_import),
        cmocka_unit_test(test_attestation),
        cmocka_unit_test(test_other_curves),
        cmocka_unit_test(test_rsa_raw),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_pcr),
        cmocka_unit_test(test_lock_state),
        cmocka_unit_test(test_export_import),
        cmocka_unit_test(test_symmetric),
        cmocka_unit_test(test_crypto_objects),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
