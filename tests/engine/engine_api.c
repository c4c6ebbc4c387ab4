/* SPDX-License-Identifier: Apache-2.0 */
/* Drives the e4sss engine through the OpenSSL API the way applications do
 * (ENGINE_by_id, ENGINE_load_private_key, EVP), against the emulator.
 *   engine_api ops <ec-id> <rsa-id>  every chip operation, verified in software
 *   engine_api threads <ec-id>       concurrent signatures from 4 threads
 *   engine_api soft                  software keys only, engine as default
 *   engine_api load <key-id>         load a key; on failure print the error data
 *   engine_api reopen <key-id>       sign, print "ready", wait for a line on stdin
 *                                    (the chip restarts meanwhile), sign again
 *   engine_api dosign <ec-id>        ECDSA_do_sign with every digest length 1..64,
 *                                    each verified with the chip's public key
 *   engine_api steady N <ec-id> <ec-ref.pem> <rsa-id> <rsa-ref.pem>
 *                                    engine default for EC and RSA, then N rounds
 *                                    of STEADY_OPS private-key operations (each
 *                                    verified) on keys read from ref PEMs and
 *                                    loaded by id; steady.sh counts the APDUs
 * Exit 0 on success; "FAIL: ..." on stderr and exit 1 otherwise. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ENGINE *eng;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                                                 \
            fprintf(stderr, "\n");                                                                 \
            ERR_print_errors_fp(stderr);                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)
/* success must leave nothing on the error queue */
#define CLEAN(what) CHECK(ERR_peek_error() == 0, "%s left an error on the queue", what)

static EVP_PKEY *load(const char *id, int priv)
{
    EVP_PKEY *k = priv ? ENGINE_load_private_key(eng, id, NULL, NULL)
                       : ENGINE_load_public_key(eng, id, NULL, NULL);
    CHECK(k != NULL, "load %s", id);
    CLEAN("ENGINE_load_*_key");
    return k;
}

static void sign_verify(EVP_PKEY *k, const EVP_MD *md, int pad, const char *what)
{
    unsigned char msg[100], sig[1024];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;

    memset(msg, 0x5a, sizeof(msg));
    CHECK(EVP_DigestSignInit(m, &pc, md, NULL, k) == 1, "sign init %s", what);
    if (pad)
        CHECK(EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0, "padding %s", what);
    CHECK(EVP_DigestSign(m, sig, &siglen, msg, sizeof(msg)) == 1, "sign %s", what);
    CLEAN(what);
    EVP_MD_CTX_reset(m);
    pc = NULL;
    CHECK(EVP_DigestVerifyInit(m, &pc, md, NULL, k) == 1, "verify init %s", what);
    if (pad)
        CHECK(EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0, "padding %s", what);
    CHECK(EVP_DigestVerify(m, sig, siglen, msg, sizeof(msg)) == 1, "signature %s does not verify",
          what);
    EVP_MD_CTX_free(m);
}

static void ec_ops(const char *id)
{
    const EVP_MD *mds[] = {EVP_sha1(), EVP_sha224(), EVP_sha256(), EVP_sha384(), EVP_sha512()};
    EVP_PKEY *k = load(id, 1), *pub = load(id, 0), *peer = NULL;
    unsigned char d[64], s1[128], s2[128];
    size_t i, l1 = sizeof(s1), l2 = sizeof(s2);
    EVP_PKEY_CTX *pc;
    ECDSA_SIG *sig;

    CHECK(EVP_PKEY_eq(k, pub) == 1, "private and public key of %s differ", id);
    for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
        sign_verify(k, mds[i], 0, EVP_MD_get0_name(mds[i]));
    /* sign_sig path: ECDSA_do_sign on the EC_KEY itself, any digest size */
    for (i = 20; i <= 64; i += 4) {
        memset(d, (int)i, sizeof(d));
        sig = ECDSA_do_sign(d, (int)i, (EC_KEY *)EVP_PKEY_get0_EC_KEY(k));
        CHECK(sig != NULL, "ECDSA_do_sign %zu bytes", i);
        CHECK(ECDSA_do_verify(d, (int)i, sig, (EC_KEY *)EVP_PKEY_get0_EC_KEY(pub)) == 1,
              "ECDSA_do_sign %zu bytes does not verify", i);
        ECDSA_SIG_free(sig);
    }
    CLEAN("ECDSA_do_sign");
    /* ECDH: chip(k) x peer == peer x chip public */
    peer = EVP_EC_gen("P-256");
    CHECK(peer != NULL, "peer key");
    pc = EVP_PKEY_CTX_new(k, NULL);
    CHECK(pc && EVP_PKEY_derive_init(pc) == 1 && EVP_PKEY_derive_set_peer(pc, peer) == 1 &&
              EVP_PKEY_derive(pc, s1, &l1) == 1,
          "ECDH on the chip");
    EVP_PKEY_CTX_free(pc);
    CLEAN("ECDH");
    pc = EVP_PKEY_CTX_new(peer, NULL);
    CHECK(pc && EVP_PKEY_derive_init(pc) == 1 && EVP_PKEY_derive_set_peer(pc, pub) == 1 &&
              EVP_PKEY_derive(pc, s2, &l2) == 1,
          "ECDH in software");
    EVP_PKEY_CTX_free(pc);
    CHECK(l1 == l2 && memcmp(s1, s2, l1) == 0, "ECDH secrets differ");
    EVP_PKEY_free(peer);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(k);
}

static void rsa_decrypt(EVP_PKEY *k, EVP_PKEY *pub, int pad, const char *what)
{
    unsigned char in[256], ct[1024], pt[1024];
    size_t ctl = sizeof(ct), ptl = sizeof(pt), inl = pad == RSA_NO_PADDING ? 0 : 32;
    EVP_PKEY_CTX *pc;

    if (pad == RSA_NO_PADDING) { /* a full-size value below n */
        inl = (size_t)EVP_PKEY_get_size(pub);
        memset(in, 0x11, inl);
        in[0] = 0;
    } else {
        memset(in, 0x42, inl);
    }
    pc = EVP_PKEY_CTX_new(pub, NULL);
    CHECK(pc && EVP_PKEY_encrypt_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0 &&
              EVP_PKEY_encrypt(pc, ct, &ctl, in, inl) == 1,
          "encrypt %s", what);
    EVP_PKEY_CTX_free(pc);
    pc = EVP_PKEY_CTX_new(k, NULL);
    CHECK(pc && EVP_PKEY_decrypt_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0 &&
              EVP_PKEY_decrypt(pc, pt, &ptl, ct, ctl) == 1,
          "decrypt %s on the chip", what);
    EVP_PKEY_CTX_free(pc);
    CLEAN(what);
    CHECK(ptl == inl && memcmp(pt, in, inl) == 0, "decrypt %s: wrong plaintext", what);
}

static void rsa_ops(const char *id)
{
    const EVP_MD *mds[] = {EVP_sha1(), EVP_sha224(), EVP_sha256(), EVP_sha384(), EVP_sha512()};
    EVP_PKEY *k = load(id, 1), *pub = load(id, 0);
    size_t i;

    CHECK(EVP_PKEY_eq(k, pub) == 1, "private and public key of %s differ", id);
    for (i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
        sign_verify(k, mds[i], RSA_PKCS1_PADDING, "RSA PKCS#1");
        sign_verify(k, mds[i], RSA_PKCS1_PSS_PADDING, "RSA-PSS");
    }
    rsa_decrypt(k, pub, RSA_PKCS1_PADDING, "PKCS#1");
    rsa_decrypt(k, pub, RSA_PKCS1_OAEP_PADDING, "OAEP");
    rsa_decrypt(k, pub, RSA_NO_PADDING, "raw");
    EVP_PKEY_free(pub);
    EVP_PKEY_free(k);
}

static void *worker(void *arg)
{
    int i;
    for (i = 0; i < 25; i++)
        sign_verify(arg, EVP_sha256(), 0, "threaded ECDSA");
    return NULL;
}

/* One round of steady.sh: every kind of private-key operation once. */
#define STEADY_OPS 8
static void steady_round(EVP_PKEY *ec_ref, EVP_PKEY *ec_eng, EVP_PKEY *rsa_ref, EVP_PKEY *rsa_eng,
                         EVP_PKEY *peer, EVP_PKEY *ec_pub)
{
    unsigned char d[24], s1[128], s2[128];
    size_t l1 = sizeof(s1), l2 = sizeof(s2);
    EVP_PKEY_CTX *pc;
    ECDSA_SIG *sig;

    sign_verify(ec_ref, EVP_sha256(), 0, "ECDSA, ref PEM");                       /* 1 */
    sign_verify(ec_eng, EVP_sha384(), 0, "ECDSA, loaded by id");                  /* 2 */
    /* a digest length ECDSASign has no algorithm for (ECDSA_do_sign) */
    memset(d, 0x24, sizeof(d));
    sig = ECDSA_do_sign(d, sizeof(d), (EC_KEY *)EVP_PKEY_get0_EC_KEY(ec_eng));  /* 3 */
    CHECK(sig != NULL && ECDSA_do_verify(d, sizeof(d), sig,
                                         (EC_KEY *)EVP_PKEY_get0_EC_KEY(ec_eng)) == 1,
          "ECDSA_do_sign, 24-byte digest");
    ECDSA_SIG_free(sig);
    sign_verify(rsa_ref, EVP_sha256(), RSA_PKCS1_PADDING, "RSA PKCS#1, ref PEM");   /* 4 */
    sign_verify(rsa_ref, EVP_sha256(), RSA_PKCS1_PSS_PADDING, "RSA-PSS, ref PEM"); /* 5 */
    sign_verify(rsa_eng, EVP_sha256(), RSA_PKCS1_PADDING, "RSA PKCS#1, by id");    /* 6 */
    sign_verify(rsa_eng, EVP_sha512(), RSA_PKCS1_PSS_PADDING, "RSA-PSS, by id");   /* 7 */
    pc = EVP_PKEY_CTX_new(ec_ref, NULL);                                             /* 8 */
    CHECK(pc && EVP_PKEY_derive_init(pc) == 1 && EVP_PKEY_derive_set_peer(pc, peer) == 1 &&
              EVP_PKEY_derive(pc, s1, &l1) == 1,
          "ECDH, ref PEM");
    EVP_PKEY_CTX_free(pc);
    pc = EVP_PKEY_CTX_new(peer, NULL);
    CHECK(pc && EVP_PKEY_derive_init(pc) == 1 && EVP_PKEY_derive_set_peer(pc, ec_pub) == 1 &&
              EVP_PKEY_derive(pc, s2, &l2) == 1 && l1 == l2 && memcmp(s1, s2, l1) == 0,
          "ECDH secrets differ");
    EVP_PKEY_CTX_free(pc);
    CLEAN("steady round");
}

static EVP_PKEY *read_ref(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

    CHECK(k != NULL, "read %s", path);
    fclose(f);
    return k;
}

static void steady(int n, char **a)
{
    EVP_PKEY *ec_ref, *ec_eng, *rsa_ref, *rsa_eng, *peer, *ec_pub;
    int i;

    /* default_algorithms = RSA,EC: keys read afterwards carry the engine's methods */
    CHECK(ENGINE_set_default(eng, ENGINE_METHOD_RSA | ENGINE_METHOD_EC) == 1, "set default");
    ec_ref = read_ref(a[1]);
    rsa_ref = read_ref(a[3]);
    ec_eng = load(a[0], 1);
    ec_pub = load(a[0], 0);
    rsa_eng = load(a[2], 1);
    peer = EVP_EC_gen("P-256");
    CHECK(peer != NULL, "peer key");
    for (i = 0; i < n; i++)
        steady_round(ec_ref, ec_eng, rsa_ref, rsa_eng, peer, ec_pub);
    printf("%d operations\n", n * STEADY_OPS);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(ec_pub);
    EVP_PKEY_free(rsa_eng);
    EVP_PKEY_free(ec_eng);
    EVP_PKEY_free(rsa_ref);
    EVP_PKEY_free(ec_ref);
}

/* Every digest length up to 64 (the chip's largest, SHA-512; P-521 with a
 * 65/66-byte digest is refused with a clear error): standard lengths go to
 * the chip as is, the others are rewritten by the engine and must verify. */
static void dosign_all(const char *id)
{
    EVP_PKEY *k = load(id, 1), *pub = load(id, 0);
    unsigned char d[64];
    ECDSA_SIG *sig;
    int i, j;

    for (i = 1; i <= (int)sizeof(d); i++) {
        for (j = 0; j < i; j++)
            d[j] = (unsigned char)(0xA5 ^ (i * 7 + j * 13));
        sig = ECDSA_do_sign(d, i, (EC_KEY *)EVP_PKEY_get0_EC_KEY(k));
        CHECK(sig != NULL, "ECDSA_do_sign, %d-byte digest, %s", i, id);
        CHECK(ECDSA_do_verify(d, i, sig, (EC_KEY *)EVP_PKEY_get0_EC_KEY(pub)) == 1,
              "ECDSA_do_sign, %d-byte digest, %s: does not verify", i, id);
        ECDSA_SIG_free(sig);
    }
    CLEAN("ECDSA_do_sign, all digest lengths");
    EVP_PKEY_free(pub);
    EVP_PKEY_free(k);
}

static void soft_ops(void)
{
    EVP_PKEY *ec = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048);
    CHECK(ec && rsa, "software keys");
    sign_verify(ec, EVP_sha256(), 0, "software ECDSA");
    sign_verify(rsa, EVP_sha256(), RSA_PKCS1_PADDING, "software RSA");
    sign_verify(rsa, EVP_sha256(), RSA_PKCS1_PSS_PADDING, "software RSA-PSS");
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    /* configuration first, as applications do: an engine the config loads by
     * dynamic_path is then found by id instead of being loaded twice */
    CHECK(OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) == 1, "OpenSSL configuration");
    eng = ENGINE_by_id("e4sss"); /* the config's, else OPENSSL_ENGINES or ENGINESDIR */
    CHECK(eng != NULL, "ENGINE_by_id(e4sss)");
    CHECK(ENGINE_init(eng) == 1, "ENGINE_init");
    CLEAN("ENGINE_init");
    if (strcmp(mode, "ops") == 0 && argc == 4) {
        ec_ops(argv[2]);
        rsa_ops(argv[3]);
    } else if (strcmp(mode, "threads") == 0 && argc == 3) {
        pthread_t t[4];
        EVP_PKEY *k = load(argv[2], 1);
        int i;
        for (i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, worker, k);
        for (i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        EVP_PKEY_free(k);
    } else if (strcmp(mode, "soft") == 0) {
        CHECK(ENGINE_set_default(eng, ENGINE_METHOD_RSA | ENGINE_METHOD_EC) == 1, "set default");
        soft_ops();
        CLEAN("software operations");
    } else if (strcmp(mode, "reopen") == 0 && argc == 3) {
        EVP_PKEY *k = load(argv[2], 1);
        char line[16];
        sign_verify(k, EVP_sha256(), 0, "before the restart");
        printf("ready\n");
        fflush(stdout);
        CHECK(fgets(line, sizeof(line), stdin) != NULL, "no go-ahead on stdin");
        sign_verify(k, EVP_sha256(), 0, "after the chip restarted");
        EVP_PKEY_free(k);
    } else if (strcmp(mode, "dosign") == 0 && argc == 3) {
        dosign_all(argv[2]);
    } else if (strcmp(mode, "steady") == 0 && argc == 7 && atoi(argv[2]) > 0) {
        steady(atoi(argv[2]), argv + 3);
    } else if (strcmp(mode, "load") == 0 && argc == 3) {
        EVP_PKEY *k = ENGINE_load_private_key(eng, argv[2], NULL, NULL);
        if (k == NULL) {
            const char *data = NULL;
            int flags = 0;
            unsigned long e = ERR_peek_error_data(&data, &flags);
            fprintf(stderr, "%s\n", (flags & ERR_TXT_STRING) && data ? data : "");
            ERR_print_errors_fp(stderr);
            return e != 0 ? 2 : 1;
        }
        EVP_PKEY_free(k);
    } else {
        fprintf(stderr, "usage: engine_api ops EC-ID RSA-ID | threads EC-ID | soft | load KEY-ID | "
                        "reopen KEY-ID | dosign EC-ID |\n"
                        "       steady N EC-ID EC-REF RSA-ID RSA-REF\n");
        return 2;
    }
    ENGINE_finish(eng);
    ENGINE_free(eng);
    printf("ok\n");
    return 0;
}
