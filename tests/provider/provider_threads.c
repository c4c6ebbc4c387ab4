/* SPDX-License-Identifier: Apache-2.0 */
/* Provider from C, against the emulator (driven by provider_api.sh):
 *  1. SSL_CTXs created before any key is loaded still do a TLS 1.3 and a
 *     TLS 1.2 handshake with a chip key loaded afterwards (in-memory BIO pair);
 *  2. 8 threads sign concurrently with one chip key; every signature verifies
 *     with the chip's public key (loaded with the default provider only);
 *  3. a forked child signs with its own session; the parent still signs after;
 *  4. no error is left on the error queue after a successful operation.
 * usage: provider_threads KEY_URI_OR_REF CHIP_PUB.pem CHIP_CERT.pem */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/store.h>

#define THREADS 8
#define PER_THREAD 25

static EVP_PKEY *g_key, *g_pub;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            ERR_print_errors_fp(stderr);                                                           \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static EVP_PKEY *load_key(const char *uri)
{
    OSSL_STORE_CTX *st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    EVP_PKEY *k = NULL;
    while (st != NULL && k == NULL && !OSSL_STORE_eof(st)) {
        OSSL_STORE_INFO *i = OSSL_STORE_load(st);
        if (i != NULL && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PKEY)
            k = OSSL_STORE_INFO_get1_PKEY(i);
        OSSL_STORE_INFO_free(i);
    }
    OSSL_STORE_close(st);
    return k;
}

/* One signature by the chip key over a distinct message, verified with the
 * public key. Returns 0 on success. */
static int sign_verify(int n)
{
    unsigned char msg[32], sig[256];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *s = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
    int ok;
    memset(msg, 0, sizeof(msg));
    snprintf((char *)msg, sizeof(msg), "message %d", n);
    ok = s != NULL && v != NULL && EVP_DigestSignInit(s, NULL, EVP_sha256(), NULL, g_key) == 1
         && EVP_DigestSign(s, sig, &siglen, msg, sizeof(msg)) == 1
         && EVP_DigestVerifyInit(v, NULL, EVP_sha256(), NULL, g_pub) == 1
         && EVP_DigestVerify(v, sig, siglen, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(s);
    EVP_MD_CTX_free(v);
    if (ok && ERR_peek_error() != 0) {
        fprintf(stderr, "error left on the queue after a successful signature\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (!ok)
        ERR_print_errors_fp(stderr);
    return ok ? 0 : 1;
}

static void *worker(void *arg)
{
    long id = (long)arg, bad = 0;
    for (int i = 0; i < PER_THREAD; i++)
        bad += sign_verify((int)(id * 1000 + i));
    return (void *)bad;
}

/* Drives a handshake between two SSL objects over an in-memory BIO pair. */
static int handshake(SSL_CTX *sctx, SSL_CTX *cctx, int version)
{
    SSL *srv = SSL_new(sctx), *cli = SSL_new(cctx);
    BIO *b1 = NULL, *b2 = NULL;
    int sdone = 0, cdone = 0, ok = 0;
    if (srv == NULL || cli == NULL || !BIO_new_bio_pair(&b1, 0, &b2, 0))
        goto out;
    SSL_set_bio(srv, b1, b1);
    SSL_set_bio(cli, b2, b2);
    SSL_set_min_proto_version(cli, version);
    SSL_set_max_proto_version(cli, version);
    SSL_set_accept_state(srv);
    SSL_set_connect_state(cli);
    SSL_set1_host(cli, "localhost");
    for (int i = 0; i < 100 && !(sdone && cdone); i++) {
        int r;
        if (!cdone) {
            r = SSL_do_handshake(cli);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
        if (!sdone) {
            r = SSL_do_handshake(srv);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ)
                goto out;
        }
    }
    ok = sdone && cdone && SSL_get_verify_result(cli) == X509_V_OK && SSL_version(cli) == version;
out:
    if (!ok)
        ERR_print_errors_fp(stderr);
    SSL_free(srv);
    SSL_free(cli);
    return ok;
}

int main(int argc, char **argv)
{
    pthread_t th[THREADS];
    long bad = 0;
    FILE *f;
    SSL_CTX *sctx, *cctx;
    X509 *cert;
    pid_t pid;
    int st = 0;
    OSSL_PROVIDER *prov, *dflt;

    CHECK(argc == 4, "usage: provider_threads KEY CHIP_PUB CHIP_CERT");
    /* PROVIDER_ORDER=default: default provider first (both orders must work) */
    if (getenv("PROVIDER_ORDER") != NULL && strcmp(getenv("PROVIDER_ORDER"), "default") == 0) {
        dflt = OSSL_PROVIDER_load(NULL, "default");
        prov = OSSL_PROVIDER_load(NULL, "se05x");
    } else {
        prov = OSSL_PROVIDER_load(NULL, "se05x");
        dflt = OSSL_PROVIDER_load(NULL, "default");
    }
    CHECK(prov != NULL && dflt != NULL, "load providers se05x, default");

    /* 1. contexts before any key exists in the process */
    sctx = SSL_CTX_new(TLS_server_method());
    cctx = SSL_CTX_new(TLS_client_method());
    CHECK(sctx != NULL && cctx != NULL, "SSL_CTX_new");

    g_key = load_key(argv[1]);
    CHECK(g_key != NULL, "load %s", argv[1]);
    CHECK(ERR_peek_error() == 0, "error left on the queue after loading the key");
    f = fopen(argv[2], "r");
    CHECK(f != NULL, "open %s", argv[2]);
    g_pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    CHECK(g_pub != NULL, "read public key");
    CHECK(EVP_PKEY_eq(g_key, g_pub) == 1, "chip key and public key do not match");
    ERR_clear_error();

    f = fopen(argv[3], "r");
    CHECK(f != NULL, "open %s", argv[3]);
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    CHECK(cert != NULL, "read certificate");
    CHECK(SSL_CTX_use_certificate(sctx, cert) == 1, "use certificate");
    CHECK(SSL_CTX_use_PrivateKey(sctx, g_key) == 1, "use chip key");
    CHECK(SSL_CTX_check_private_key(sctx) == 1, "certificate/key mismatch");
    CHECK(X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), cert) == 1, "trust");
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    CHECK(handshake(sctx, cctx, TLS1_3_VERSION), "TLS 1.3 handshake, pre-created SSL_CTX");
    CHECK(handshake(sctx, cctx, TLS1_2_VERSION), "TLS 1.2 handshake, pre-created SSL_CTX");
    CHECK(ERR_peek_error() == 0, "error left on the queue after the handshakes");
    printf("handshakes with SSL_CTXs created before the key load: ok\n");

    /* 2. threads */
    for (long i = 0; i < THREADS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0, "pthread_create");
    for (int i = 0; i < THREADS; i++) {
        void *r = NULL;
        pthread_join(th[i], &r);
        bad += (long)r;
    }
    CHECK(bad == 0, "%ld of %d threaded signatures failed", bad, THREADS * PER_THREAD);
    printf("%d signatures from %d threads: ok\n", THREADS * PER_THREAD, THREADS);

    /* 3. fork: the child must open its own session */
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int b = 0;
        for (int i = 0; i < 5; i++)
            b += sign_verify(90000 + i);
        _exit(b == 0 ? 0 : 1); /* _exit: the parent's session stays untouched */
    }
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "signing in the forked child failed");
    CHECK(sign_verify(99999) == 0, "parent signature after the fork");
    printf("forked child and parent: ok\n");

    X509_free(cert);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    EVP_PKEY_free(g_key);
    EVP_PKEY_free(g_pub);
    /* Unload explicitly (as the openssl CLI does): OpenSSL 3.0's exit-time
     * cleanup skips the teardown of providers whose algorithms were used,
     * and the leak checker of the sanitizer build would report the session. */
    OSSL_PROVIDER_unload(prov);
    OSSL_PROVIDER_unload(dflt);
    OPENSSL_cleanup();
    return 0;
}
