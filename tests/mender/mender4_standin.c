/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in for the current Mender client (>= 4, the C++ rewrite), which
 * Debian 12 does not package (issue 11). It loads the device key the two ways
 * that client does and uses it the way the client does:
 *
 *   --engine ID (mender.conf SSLEngine set): ENGINE_by_id(ID), ENGINE_init,
 *       ENGINE_load_private_key(KEY);
 *   no --engine (SSLEngine empty): OSSL_STORE_open(KEY) with whatever
 *       OPENSSL_CONF activates.
 *   On the store route the OpenSSL configuration is read again before every
 *   load (CONF_modules_load_file with the default file, i.e. OPENSSL_CONF);
 *   on the engine route it is read once, at start.
 *
 * For TLS 1.2 and then TLS 1.3 it loads the key afresh (the client loads
 * keys again and again), gives it with the certificate to
 * SSL_CTX_use_PrivateKey, signs the SHA-256 digest of an auth-request body
 * (EVP_PKEY_sign, signature md SHA-256, as for X-MEN-Signature), verifies
 * that signature with the certificate's public key, and POSTs the auth
 * request over a TLS connection with client certificate to the test server
 * (tests/mender/mender_server.py), which checks the signature again. Exit 0
 * only when both requests got 200.
 *
 * usage: mender4_standin [--engine ID] --key KEY --cert CERT --ca SERVER_CERT
 *                        --port PORT
 * Messages on stderr; one line per authorized request on stdout. */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API, as the client uses it */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/x509.h>

static const char *g_engine, *g_key, *g_cert, *g_ca;
static int g_port;

static int fail(const char *what)
{
    fprintf(stderr, "mender4_standin: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 0;
}

static EVP_PKEY *load_engine(void)
{
    ENGINE *e = ENGINE_by_id(g_engine);
    EVP_PKEY *k = NULL;

    if (e == NULL) {
        fprintf(stderr, "mender4_standin: no engine '%s'\n", g_engine);
        return NULL;
    }
    if (!ENGINE_init(e)) {
        fprintf(stderr, "mender4_standin: ENGINE_init(%s) failed\n", g_engine);
        ENGINE_free(e);
        return NULL;
    }
    k = ENGINE_load_private_key(e, g_key, NULL, NULL);
    ENGINE_finish(e);
    ENGINE_free(e);
    return k;
}

static EVP_PKEY *load_store(void)
{
    OSSL_STORE_CTX *st = OSSL_STORE_open(g_key, NULL, NULL, NULL, NULL);
    EVP_PKEY *k = NULL;

    if (st == NULL)
        return NULL;
    while (k == NULL && !OSSL_STORE_eof(st)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(st);
        if (info != NULL && OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            k = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
        if (info == NULL && OSSL_STORE_error(st))
            break;
    }
    OSSL_STORE_close(st);
    return k;
}

static EVP_PKEY *load_key(void)
{
    EVP_PKEY *k;

    /* SSLEngine empty: the configuration is read again before each key load.
     * Not on the engine route: re-reading an openssl.cnf with a
     * dynamic_path engine section in the same process fails in OpenSSL 3.0
     * ("dynamic_load: init failed"; the same with OpenSSL's own loader_attic
     * engine, so not an e4sss matter; docs/mender.md). */
    if (!g_engine && CONF_modules_load_file(NULL, NULL, 0) <= 0) {
        fail("cannot read the OpenSSL configuration");
        return NULL;
    }
    k = g_engine ? load_engine() : load_store();
    if (k == NULL) {
        fprintf(stderr, "mender4_standin: cannot load private key '%s'%s%s\n", g_key,
                g_engine ? " from engine " : "", g_engine ? g_engine : "");
        ERR_print_errors_fp(stderr);
    }
    return k;
}

/* JSON string body of a PEM (newlines escaped). */
static int json_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;

    for (; *in; in++) {
        if (o + 3 >= cap)
            return 0;
        if (*in == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *in;
        }
    }
    out[o] = 0;
    return 1;
}

static int auth_body(EVP_PKEY *k, char *body, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char pem[4096], esc[8192];
    int n, ok = 0;

    if (b != NULL && PEM_write_bio_PUBKEY(b, k) && (n = BIO_read(b, pem, sizeof(pem) - 1)) > 0) {
        pem[n] = 0;
        ok = json_escape(pem, esc, sizeof(esc)) &&
             snprintf(body, cap,
                      "{\"id_data\":\"{\\\"mac\\\":\\\"02:00:00:00:00:01\\\"}\","
                      "\"pubkey\":\"%s\",\"tenant_token\":\"\"}",
                      esc) < (int)cap;
    }
    BIO_free(b);
    return ok || fail("cannot write the auth request body");
}

/* Signs SHA-256(body) with k, verifies with the certificate's key, base64. */
static int sign_body(EVP_PKEY *k, X509 *cert, const char *body, char *b64, size_t cap)
{
    unsigned char md[32], sig[1024];
    size_t siglen = sizeof(sig);
    unsigned int mdlen = sizeof(md);
    EVP_PKEY_CTX *sc = EVP_PKEY_CTX_new(k, NULL), *vc = NULL;
    int ok = 0;

    if (!EVP_Digest(body, strlen(body), md, &mdlen, EVP_sha256(), NULL) || sc == NULL ||
        EVP_PKEY_sign_init(sc) <= 0 || EVP_PKEY_CTX_set_signature_md(sc, EVP_sha256()) <= 0 ||
        (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
         EVP_PKEY_CTX_set_rsa_padding(sc, RSA_PKCS1_PADDING) <= 0) ||
        EVP_PKEY_sign(sc, sig, &siglen, md, mdlen) <= 0) {
        fail("cannot sign the auth request digest");
        goto done;
    }
    vc = EVP_PKEY_CTX_new(X509_get0_pubkey(cert), NULL);
    if (vc == NULL || EVP_PKEY_verify_init(vc) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(vc, EVP_sha256()) <= 0 ||
        EVP_PKEY_verify(vc, sig, siglen, md, mdlen) != 1) {
        fail("the signature does not verify with the certificate's public key");
        goto done;
    }
    if (4 * ((siglen + 2) / 3) + 1 > cap) {
        fail("signature too long");
        goto done;
    }
    EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
    ok = 1;
done:
    EVP_PKEY_CTX_free(sc);
    EVP_PKEY_CTX_free(vc);
    return ok;
}

static int tcp_connect(void)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)g_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("mender4_standin: connect to the test server");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int one_auth(int version, const char *vname)
{
    EVP_PKEY *k = load_key();
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    X509 *cert = NULL;
    FILE *f;
    char body[12288], sig[2048], req[16384], rsp[4096];
    int fd = -1, ok = 0, n, got = 0;

    if (k == NULL)
        return 0;
    if ((f = fopen(g_cert, "r")) == NULL || (cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
        fprintf(stderr, "mender4_standin: cannot read certificate %s\n", g_cert);
        if (f != NULL)
            fclose(f);
        goto done;
    }
    fclose(f);
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, version) ||
        !SSL_CTX_set_max_proto_version(ctx, version) || !SSL_CTX_use_certificate(ctx, cert) ||
        !SSL_CTX_use_PrivateKey(ctx, k) || !SSL_CTX_check_private_key(ctx) ||
        !SSL_CTX_load_verify_locations(ctx, g_ca, NULL)) {
        fail("SSL_CTX set-up (certificate, SSL_CTX_use_PrivateKey, server CA) failed");
        goto done;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!auth_body(k, body, sizeof(body)) || !sign_body(k, cert, body, sig, sizeof(sig)))
        goto done;
    snprintf(req, sizeof(req),
             "POST /api/devices/v1/authentication/auth_requests HTTP/1.1\r\n"
             "Host: localhost\r\nContent-Type: application/json\r\n"
             "X-MEN-Signature: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             sig, strlen(body), body);
    if ((fd = tcp_connect()) < 0 || (ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd) ||
        !SSL_set1_host(ssl, "localhost") || !SSL_set_tlsext_host_name(ssl, "localhost")) {
        fail("cannot set up the connection");
        goto done;
    }
    if (SSL_connect(ssl) != 1) {
        fprintf(stderr, "mender4_standin: %s handshake failed\n", vname);
        ERR_print_errors_fp(stderr);
        goto done;
    }
    if (SSL_version(ssl) != version) {
        fprintf(stderr, "mender4_standin: negotiated %s, not %s\n", SSL_get_version(ssl), vname);
        goto done;
    }
    if (SSL_write(ssl, req, (int)strlen(req)) != (int)strlen(req)) {
        fail("cannot send the auth request");
        goto done;
    }
    while (got < (int)sizeof(rsp) - 1 && (n = SSL_read(ssl, rsp + got, (int)sizeof(rsp) - 1 - got)) > 0)
        got += n;
    rsp[got] = 0;
    if (strncmp(rsp, "HTTP/1.1 200 ", 13) != 0 && strncmp(rsp, "HTTP/1.0 200 ", 13) != 0) {
        fprintf(stderr, "mender4_standin: %s: auth request refused: %.*s\n", vname,
                (int)strcspn(rsp, "\r\n"), rsp);
        goto done;
    }
    printf("%s: authorized (key %s%s%s)\n", vname, g_key, g_engine ? ", engine " : ", store",
           g_engine ? g_engine : "");
    ok = 1;
done:
    if (ssl != NULL)
        SSL_shutdown(ssl);
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    X509_free(cert);
    EVP_PKEY_free(k);
    return ok;
}

int main(int argc, char **argv)
{
    int i, ok;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--engine") == 0)
            g_engine = argv[i + 1][0] ? argv[i + 1] : NULL; /* "" = SSLEngine empty */
        else if (strcmp(argv[i], "--key") == 0)
            g_key = argv[i + 1];
        else if (strcmp(argv[i], "--cert") == 0)
            g_cert = argv[i + 1];
        else if (strcmp(argv[i], "--ca") == 0)
            g_ca = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            g_port = atoi(argv[i + 1]);
        else
            break;
    }
    if (i != argc || !g_key || !g_cert || !g_ca || g_port <= 0 || g_port > 65535) {
        fprintf(stderr, "usage: mender4_standin [--engine ID] --key KEY --cert CERT "
                        "--ca SERVER_CERT --port PORT\n");
        return 2;
    }
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL))
        return fail("OpenSSL initialisation failed"), 1;
    ok = one_auth(TLS1_2_VERSION, "TLSv1.2") && one_auth(TLS1_3_VERSION, "TLSv1.3");
    return ok ? 0 : 1;
}
