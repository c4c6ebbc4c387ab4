/* SPDX-License-Identifier: Apache-2.0 */
/* Command layer against the emulator (se05x-sim): every command family with
 * real outcomes checked on the host with libcrypto. Usage: sim_cmds CONN.
 * Prints "ok" and exits 0, or names the failed check and exits 1. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <se05x/se05x.h>
#include <se05x/ossl.h>
#include "testkeys.h"

static se05x_session *S;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, " (last error: %s)\n", S ? se05x_errmsg(S) : "-");                     \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == SE05X_OK, "%s", #call)

static uint64_t apdus(void)
{
    struct se05x_stats st;
    se05x_get_stats(S, &st);
    return st.apdus;
}

static int host_verify(EVP_PKEY *pub, const char *md, const uint8_t *sig, size_t siglen,
                       const uint8_t *dg, size_t dlen, int pad, int salt)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pub, NULL);
    int r = -1;
    if (c && EVP_PKEY_verify_init(c) == 1 &&
        EVP_PKEY_CTX_set_signature_md(c, EVP_get_digestbyname(md)) == 1 &&
        (!pad || EVP_PKEY_CTX_set_rsa_padding(c, pad) == 1) &&
        (pad != RSA_PKCS1_PSS_PADDING || EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt) == 1))
        r = EVP_PKEY_verify(c, sig, siglen, dg, dlen);
    EVP_PKEY_CTX_free(c);
    return r;
}

static void sha(const char *md, const void *m, size_t n, uint8_t *out, size_t *olen)
{
    unsigned int l = 0;
    CHECK(EVP_Digest(m, n, out, &l, EVP_get_digestbyname(md), NULL) == 1, "digest");
    *olen = l;
}

static void test_info(void)
{
    struct se05x_applet_info ai;
    uint8_t r1[1000], r2[1000], uid[18], cu[10];
    uint16_t fm = 0;
    OK(se05x_get_version(S, &ai));
    CHECK(ai.major >= 3, "applet major %u", ai.major);
    OK(se05x_get_random(S, r1, sizeof r1));
    OK(se05x_get_random(S, r2, sizeof r2));
    CHECK(memcmp(r1, r2, sizeof r1) != 0, "random repeats");
    OK(se05x_get_free_memory(S, SE05X_MEMORY_PERSISTENT, &fm));
    CHECK(fm > 0, "free memory 0");
    OK(se05x_read_uid(S, uid));
    se05x_certuid(uid, cu);
    CHECK(cu[0] == uid[2] && cu[9] == uid[15], "certuid");
}

static void test_ec(se05x_curve c, const char *md, se05x_objid id)
{
    EVP_PKEY *pub = NULL;
    uint8_t dg[64], sig[160];
    size_t dl = 0, sl = 0;
    bool valid = false;
    OK(se05x_ec_generate(S, id, c, NULL));
    OK(se05x_read_pubkey(S, id, &pub));
    sha(md, "hello", 5, dg, &dl);
    uint64_t before = apdus();
    OK(se05x_ecdsa_sign_digest(S, id, dg, dl, sig, sizeof sig, &sl));
    CHECK(apdus() - before == 1, "%s: sign_digest took %llu APDUs", se05x_curve_name(c),
          (unsigned long long)(apdus() - before));
    CHECK(host_verify(pub, md, sig, sl, dg, dl, 0, 0) == 1, "%s signature does not verify", se05x_curve_name(c));
    OK(se05x_ecdsa_verify(S, id, se05x_digest_from_len(dl), dg, dl, sig, sl, &valid));
    CHECK(valid, "chip rejects its own signature");
    dg[0] ^= 1;
    OK(se05x_ecdsa_verify(S, id, se05x_digest_from_len(dl), dg, dl, sig, sl, &valid));
    CHECK(!valid, "chip accepts a wrong digest");
    /* a 16-byte digest (padding rule D3) */
    OK(se05x_ecdsa_sign_digest(S, id, dg, 16, sig, sizeof sig, &sl));
    {
        EVP_PKEY_CTX *vc = EVP_PKEY_CTX_new(pub, NULL);
        CHECK(vc && EVP_PKEY_verify_init(vc) == 1, "verify init");
        CHECK(EVP_PKEY_verify(vc, sig, sl, dg, 16) == 1, "16-byte digest signature does not verify");
        EVP_PKEY_CTX_free(vc);
    }
    /* ECDH with a host key */
    char group[64];
    CHECK(EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1, "group");
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    uint8_t pp[200], z1[80], z2[80];
    size_t pl = 0, z1l = 0, z2l = sizeof z2;
    CHECK(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pp, sizeof pp, &pl) == 1, "peer");
    OK(se05x_ecdh(S, id, pp, pl, z1, sizeof z1, &z1l));
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(peer, NULL);
    CHECK(EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, pub) == 1 &&
              EVP_PKEY_derive(dc, z2, &z2l) == 1, "host derive");
    CHECK(z1l == z2l && !memcmp(z1, z2, z1l), "ECDH secrets differ");
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(peer);
    /* object info */
    struct se05x_object_info oi;
    OK(se05x_object_info(S, id, &oi));
    CHECK(oi.kind == SE05X_KIND_EC && oi.curve == c && oi.part == SE05X_PART_PAIR, "object_info");
    /* ref key from the chip */
    char *pem = NULL;
    size_t pemlen = 0;
    struct se05x_refkey ref;
    int is_ref = 0;
    OK(se05x_refkey_from_chip(S, id, SE05X_REFKEY_PKCS8, &pem, &pemlen));
    CHECK(se05x_refkey_parse((uint8_t *)pem, pemlen, &ref, &is_ref, NULL) == SE05X_OK && is_ref &&
              ref.id == id && ref.curve == c, "ref key");
    free(pem);
    EVP_PKEY_free(pub);
}

/* X25519 on the chip: byte order of docs/protocol/apdu.md §21 both ways */
static void test_x25519(void)
{
    EVP_PKEY *pub = NULL, *peer = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    uint8_t pp[32], z1[32], z2[32];
    size_t pl = sizeof pp, z1l = 0, z2l = sizeof z2;
    OK(se05x_ec_generate(S, 0x7F000040, SE05X_EC_X25519, NULL));
    OK(se05x_read_pubkey(S, 0x7F000040, &pub));
    CHECK(EVP_PKEY_get_raw_public_key(peer, pp, &pl) == 1, "peer");
    OK(se05x_ecdh(S, 0x7F000040, pp, pl, z1, sizeof z1, &z1l));
    EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(peer, NULL);
    CHECK(EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, pub) == 1 &&
              EVP_PKEY_derive(dc, z2, &z2l) == 1, "host X25519 derive");
    CHECK(z1l == 32 && z2l == 32 && !memcmp(z1, z2, 32), "X25519 secrets differ");
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(pub);
    /* import a host X25519 key pair and agree again */
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    OK(se05x_import_pkey(S, 0x7F000041, k, 0, NULL));
    OK(se05x_ecdh(S, 0x7F000041, pp, pl, z1, sizeof z1, &z1l));
    dc = EVP_PKEY_CTX_new(peer, NULL);
    z2l = sizeof z2;
    CHECK(EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, k) == 1 &&
              EVP_PKEY_derive(dc, z2, &z2l) == 1, "host X25519 derive 2");
    CHECK(!memcmp(z1, z2, 32), "imported X25519 secrets differ");
    EVP_PKEY_CTX_free(dc);
    EVP_PKEY_free(k);
    EVP_PKEY_free(peer);
}

static void test_ec_import(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t dg[32], sig[100];
    size_t dl, sl;
    OK(se05x_import_pkey(S, 0x7F000010, k, 0, NULL));
    sha("SHA256", "abc", 3, dg, &dl);
    OK(se05x_ecdsa_sign_digest(S, 0x7F000010, dg, dl, sig, sizeof sig, &sl));
    CHECK(host_verify(k, "SHA256", sig, sl, dg, dl, 0, 0) == 1, "imported EC key signature");
    EVP_PKEY *pub = NULL;
    OK(se05x_read_pubkey(S, 0x7F000010, &pub));
    CHECK(EVP_PKEY_eq(pub, k) == 1, "imported public key differs");
    EVP_PKEY_free(pub);
    /* public-only import, then verify on the chip */
    OK(se05x_import_pkey(S, 0x7F000011, k, 1, NULL));
    bool valid = false;
    OK(se05x_ecdsa_verify(S, 0x7F000011, SE05X_MD_SHA256, dg, dl, sig, sl, &valid));
    CHECK(valid, "public-only object rejects a good signature");
    EVP_PKEY_free(k);
}

static void check_rsa_key(se05x_objid id, EVP_PKEY *pub)
{
    uint8_t sig[512], dg[32], ct[512], pt[512];
    size_t sl, dl, cl, pl;
    bool valid = false;
    static const char msg[] = "message signed by the chip";
    OK(se05x_rsa_sign(S, id, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, (const uint8_t *)msg, sizeof msg,
                      sig, sizeof sig, &sl));
    sha("SHA256", msg, sizeof msg, dg, &dl);
    CHECK(host_verify(pub, "SHA256", sig, sl, dg, dl, RSA_PKCS1_PADDING, 0) == 1, "RSASign PKCS1");
    OK(se05x_rsa_verify(S, id, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, (const uint8_t *)msg, sizeof msg,
                        sig, sl, &valid));
    CHECK(valid, "RSAVerify PKCS1");
    OK(se05x_rsa_sign(S, id, SE05X_RSA_PAD_PSS, SE05X_MD_SHA256, (const uint8_t *)msg, sizeof msg,
                      sig, sizeof sig, &sl));
    CHECK(host_verify(pub, "SHA256", sig, sl, dg, dl, RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_AUTO) == 1,
          "RSASign PSS");
    uint64_t before = apdus();
    OK(se05x_rsa_sign_digest(S, id, (unsigned)EVP_PKEY_get_bits(pub), SE05X_RSA_PAD_PKCS1,
                             SE05X_MD_SHA256, 0, dg, dl, sig, sizeof sig, &sl));
    CHECK(apdus() - before == 1, "rsa_sign_digest took more than one APDU");
    CHECK(host_verify(pub, "SHA256", sig, sl, dg, dl, RSA_PKCS1_PADDING, 0) == 1, "sign_digest PKCS1");
    OK(se05x_rsa_sign_digest(S, id, (unsigned)EVP_PKEY_get_bits(pub), SE05X_RSA_PAD_PSS,
                             SE05X_MD_SHA256, -1, dg, dl, sig, sizeof sig, &sl));
    CHECK(host_verify(pub, "SHA256", sig, sl, dg, dl, RSA_PKCS1_PSS_PADDING, 32) == 1, "sign_digest PSS");
    /* host OAEP encryption, chip decryption */
    EVP_PKEY_CTX *ec = EVP_PKEY_CTX_new(pub, NULL);
    cl = sizeof ct;
    CHECK(EVP_PKEY_encrypt_init(ec) == 1 && EVP_PKEY_CTX_set_rsa_padding(ec, RSA_PKCS1_OAEP_PADDING) == 1 &&
              EVP_PKEY_encrypt(ec, ct, &cl, (const uint8_t *)"secret", 6) == 1, "host encrypt");
    EVP_PKEY_CTX_free(ec);
    OK(se05x_rsa_decrypt(S, id, SE05X_RSA_PAD_OAEP, ct, cl, pt, sizeof pt, &pl));
    CHECK(pl == 6 && !memcmp(pt, "secret", 6), "OAEP decrypt");
    /* chip encryption PKCS1, chip decryption */
    OK(se05x_rsa_encrypt(S, id, SE05X_RSA_PAD_PKCS1, (const uint8_t *)"xyz", 3, ct, sizeof ct, &cl));
    OK(se05x_rsa_decrypt(S, id, SE05X_RSA_PAD_PKCS1, ct, cl, pt, sizeof pt, &pl));
    CHECK(pl == 3 && !memcmp(pt, "xyz", 3), "PKCS1 round trip");
}

static void test_rsa(void)
{
    EVP_PKEY *pub = NULL;
    OK(se05x_rsa_generate(S, 0x7F000020, 2048, NULL));
    OK(se05x_read_pubkey(S, 0x7F000020, &pub));
    CHECK(EVP_PKEY_get_bits(pub) == 2048, "RSA bits");
    check_rsa_key(0x7F000020, pub);
    EVP_PKEY_free(pub);
    /* host key imported (multi-APDU) */
    EVP_PKEY *k = test_rsa_key(2048, 0);
    OK(se05x_import_pkey(S, 0x80000001, k, 0, NULL));
    OK(se05x_read_pubkey(S, 0x80000001, &pub));
    CHECK(EVP_PKEY_eq(pub, k) == 1, "imported RSA public key differs");
    check_rsa_key(0x80000001, k);
    EVP_PKEY_free(pub);
    char *pem = NULL;
    size_t pl = 0;
    struct se05x_refkey ref;
    int is_ref = 0;
    OK(se05x_refkey_from_chip(S, 0x80000001, SE05X_REFKEY_PKCS1, &pem, &pl));
    CHECK(se05x_refkey_parse((uint8_t *)pem, pl, &ref, &is_ref, NULL) == SE05X_OK && is_ref &&
              ref.kind == SE05X_KIND_RSA && ref.id == 0x80000001, "RSA ref key");
    free(pem);
    EVP_PKEY_free(k);
}

static void test_binary(void)
{
    uint8_t data[1200], *back = NULL;
    size_t n = 0;
    RAND_bytes(data, sizeof data);
    OK(se05x_write_binary(S, 0x7F000030, data, sizeof data, NULL));
    OK(se05x_read_binary(S, 0x7F000030, &back, &n));
    CHECK(n == sizeof data && !memcmp(back, data, n), "binary read back");
    free(back);
    data[0] ^= 0xFF;
    OK(se05x_write_binary(S, 0x7F000030, data, sizeof data, NULL)); /* same size: in place */
    OK(se05x_read_binary(S, 0x7F000030, &back, &n));
    CHECK(n == sizeof data && !memcmp(back, data, n), "binary overwrite");
    free(back);
    OK(se05x_write_binary(S, 0x7F000030, data, 100, NULL)); /* other size: recreated */
    OK(se05x_read_binary(S, 0x7F000030, &back, &n));
    CHECK(n == 100 && !memcmp(back, data, n), "binary resize");
    free(back);
    CHECK(se05x_write_binary(S, 0x7F000020, data, 10, NULL) == SE05X_E_WRONG_TYPE, "binary over a key");
}

static void test_errors_and_reset(void)
{
    uint8_t b[100];
    size_t n;
    bool e = true;
    CHECK(se05x_read_object(S, 0x7F0000FF, 0, 0, b, sizeof b, &n) == SE05X_E_NOT_FOUND, "missing read");
    CHECK(strstr(se05x_errmsg(S), "7F0000FF") != NULL, "message names the id: %s", se05x_errmsg(S));
    CHECK(se05x_delete_object(S, 0x7F0000FF) == SE05X_E_NOT_FOUND, "missing delete");
    se05x_objid *ids = NULL;
    size_t cnt = 0, deleted = 0;
    OK(se05x_list_objects(S, 0xFF, &ids, &cnt));
    size_t ours = 0;
    for (size_t i = 0; i < cnt; i++)
        ours += !se05x_id_is_reserved(ids[i]);
    free(ids);
    CHECK(ours >= 8, "list has %zu of our objects", ours);
    OK(se05x_reset_objects(S, &deleted));
    CHECK(deleted == ours, "reset deleted %zu of %zu", deleted, ours);
    OK(se05x_list_objects(S, 0xFF, &ids, &cnt));
    for (size_t i = 0; i < cnt; i++)
        CHECK(se05x_id_is_reserved(ids[i]), "0x%08X survived the reset", ids[i]);
    free(ids);
    OK(se05x_object_exists(S, 0x7F000001, &e));
    CHECK(!e, "object still exists");
    /* the UID (reserved, provisioned) survives */
    uint8_t uid[18];
    OK(se05x_read_uid(S, uid));
}

int main(int argc, char **argv)
{
    struct se05x_error err;
    if (argc != 2) {
        fprintf(stderr, "usage: %s CONN\n", argv[0]);
        return 2;
    }
    if (se05x_open(argv[1], NULL, &S, &err) != SE05X_OK) {
        fprintf(stderr, "open %s: %s\n", argv[1], err.msg);
        return 1;
    }
    test_info();
    test_ec(SE05X_EC_NIST_P256, "SHA256", 0x7F000001);
    test_ec(SE05X_EC_NIST_P384, "SHA384", 0x7F000002);
    test_ec(SE05X_EC_NIST_P521, "SHA512", 0x7F000003);
    test_ec(SE05X_EC_BRAINPOOL256, "SHA256", 0x7F000004);
    test_ec(SE05X_EC_SECP256K1, "SHA256", 0x7F000005);
    test_x25519();
    test_ec_import();
    test_rsa();
    test_binary();
    test_errors_and_reset();
    se05x_close(S);
    printf("ok\n");
    return 0;
}
