/* SPDX-License-Identifier: Apache-2.0 */
/* Who performs an operation (docs/provider.md "What routes where"), driven
 * by provider_route.sh for both provider orders (PROVIDER_ORDER=se05x|default):
 *  - ordinary file keys (P-256, RSA): signing, RSA verify/encryption and
 *    ECDH are done by the default provider, never claimed by se05x; an EC
 *    public key alone is verified by whichever provider comes first (se05x
 *    takes foreign EC public keys: that is how the peer of its ECDH arrives,
 *    docs/provider.md "Documented OpenSSL behaviour only");
 *  - ECDH with a chip key keeps its state in the exchange context: two
 *    contexts between init and set_peer at once, set_peer and derive in
 *    another thread than init, derive in a duplicate of the context;
 *  - chip keys (EC ref file or URI, RSA ref file): signing, ECDH and RSA
 *    decryption are done by se05x, and the results are right (signature
 *    verifies, shared secrets agree, plaintext comes back).
 * usage: provider_route EC_FILE_KEY EC_FILE_PUB RSA_FILE_KEY RSA_FILE_PUB CHIP_EC CHIP_RSA...
 * where CHIP_EC/CHIP_RSA are ref files or nxp:/se05x: URIs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            ERR_print_errors_fp(stderr);                                                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static const char *prov_of(const EVP_PKEY_CTX *c)
{
    const OSSL_PROVIDER *p = EVP_PKEY_CTX_get0_provider(c);
    return p != NULL ? OSSL_PROVIDER_get0_name(p) : "(none)";
}

/* Loads the first key (private, else public) of a URI or file, as openssl(1) does. */
static EVP_PKEY *load(const char *uri)
{
    OSSL_STORE_CTX *st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    EVP_PKEY *k = NULL;
    while (st != NULL && k == NULL && !OSSL_STORE_eof(st)) {
        OSSL_STORE_INFO *i = OSSL_STORE_load(st);
        if (i != NULL && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PKEY)
            k = OSSL_STORE_INFO_get1_PKEY(i);
        else if (i != NULL && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PUBKEY)
            k = OSSL_STORE_INFO_get1_PUBKEY(i);
        OSSL_STORE_INFO_free(i);
    }
    OSSL_STORE_close(st);
    CHECK(k != NULL, "cannot load %s", uri);
    return k;
}

static const unsigned char tbs[32] = "0123456789abcdef0123456789abcdef";

static void sign_verify(EVP_PKEY *priv, EVP_PKEY *pub, const char *signer, const char *verifier,
                        const char *what)
{
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    CHECK(c != NULL && EVP_PKEY_sign_init(c) > 0, "%s: sign init", what);
    CHECK(strcmp(prov_of(c), signer) == 0, "%s: signed by %s, expected %s", what, prov_of(c), signer);
    CHECK(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0, "%s: md", what);
    CHECK(EVP_PKEY_sign(c, sig, &siglen, tbs, sizeof(tbs)) > 0, "%s: sign", what);
    EVP_PKEY_CTX_free(c);
    c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    CHECK(c != NULL && EVP_PKEY_verify_init(c) > 0, "%s: verify init", what);
    CHECK(strcmp(prov_of(c), verifier) == 0, "%s: verified by %s, expected %s", what, prov_of(c),
          verifier);
    CHECK(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0, "%s: md", what);
    CHECK(EVP_PKEY_verify(c, sig, siglen, tbs, sizeof(tbs)) == 1, "%s: signature does not verify",
          what);
    EVP_PKEY_CTX_free(c);
}

static size_t derive(EVP_PKEY *k, EVP_PKEY *peer, const char *who, unsigned char *out,
                     const char *what)
{
    size_t n = 256;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    CHECK(c != NULL && EVP_PKEY_derive_init(c) > 0, "%s: derive init", what);
    CHECK(strcmp(prov_of(c), who) == 0, "%s: ECDH by %s, expected %s", what, prov_of(c), who);
    CHECK(EVP_PKEY_derive_set_peer(c, peer) > 0, "%s: set peer", what);
    CHECK(EVP_PKEY_derive(c, out, &n) > 0, "%s: derive", what);
    EVP_PKEY_CTX_free(c);
    return n;
}

static void enc_dec(EVP_PKEY *pub, EVP_PKEY *priv, const char *encer, const char *decer,
                    const char *what)
{
    unsigned char ct[1024], pt[1024];
    size_t ctlen = sizeof(ct), ptlen = sizeof(pt);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    CHECK(c != NULL && EVP_PKEY_encrypt_init(c) > 0, "%s: encrypt init", what);
    CHECK(strcmp(prov_of(c), encer) == 0, "%s: encrypted by %s, expected %s", what, prov_of(c),
          encer);
    CHECK(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0, "%s: padding", what);
    CHECK(EVP_PKEY_encrypt(c, ct, &ctlen, tbs, sizeof(tbs)) > 0, "%s: encrypt", what);
    EVP_PKEY_CTX_free(c);
    c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    CHECK(c != NULL && EVP_PKEY_decrypt_init(c) > 0, "%s: decrypt init", what);
    CHECK(strcmp(prov_of(c), decer) == 0, "%s: decrypted by %s, expected %s", what, prov_of(c),
          decer);
    CHECK(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) > 0, "%s: padding", what);
    CHECK(EVP_PKEY_decrypt(c, pt, &ptlen, ct, ctlen) > 0, "%s: decrypt", what);
    CHECK(ptlen == sizeof(tbs) && memcmp(pt, tbs, ptlen) == 0, "%s: wrong plaintext", what);
    EVP_PKEY_CTX_free(c);
}

/* ECDH with a chip key whose steps do not follow one another in one thread.
 * Under the old per-thread peer mark (set by init, consumed by the peer's
 * import) each of these failed at set_peer. */
struct peer_job {
    EVP_PKEY_CTX *c;
    EVP_PKEY *peer;
    unsigned char out[256];
    size_t n;
    int ok;
};

static void *peer_and_derive(void *arg)
{
    struct peer_job *j = arg;
    j->n = sizeof(j->out);
    j->ok = EVP_PKEY_derive_set_peer(j->c, j->peer) > 0 && EVP_PKEY_derive(j->c, j->out, &j->n) > 0;
    return NULL;
}

/* A new EVP_PKEY of the same public key: OpenSSL caches a key's import into
 * a provider in the EVP_PKEY, so each case needs a peer never imported yet. */
static EVP_PKEY *fresh_pub(EVP_PKEY *k)
{
    unsigned char *der = NULL;
    const unsigned char *q;
    int len = i2d_PUBKEY(k, &der);
    EVP_PKEY *r;
    q = der;
    r = len > 0 ? d2i_PUBKEY(NULL, &q, len) : NULL;
    OPENSSL_free(der);
    CHECK(r != NULL, "copy of a public key");
    return r;
}

static void ecdh_contexts(EVP_PKEY *chip, EVP_PKEY *peer0, const unsigned char *want, size_t wantlen)
{
    EVP_PKEY *peer = fresh_pub(peer0), *peer2 = fresh_pub(peer0);
    EVP_PKEY_CTX *a = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    EVP_PKEY_CTX *b = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    EVP_PKEY_CTX *d;
    unsigned char sa[256], sb[256];
    size_t na = sizeof(sa), nb = sizeof(sb);
    struct peer_job j;
    pthread_t t;

    /* 1: two contexts interleaved in one thread. */
    CHECK(a != NULL && b != NULL, "interleaved ECDH: contexts");
    CHECK(EVP_PKEY_derive_init(a) > 0 && EVP_PKEY_derive_init(b) > 0, "interleaved ECDH: init");
    CHECK(strcmp(prov_of(a), "se05x") == 0 && strcmp(prov_of(b), "se05x") == 0,
          "interleaved ECDH: by %s/%s, expected se05x", prov_of(a), prov_of(b));
    CHECK(EVP_PKEY_derive_set_peer(a, peer) > 0, "interleaved ECDH: set peer A");
    CHECK(EVP_PKEY_derive_set_peer(b, peer2) > 0, "interleaved ECDH: set peer B (after A's)");
    CHECK(EVP_PKEY_derive(b, sb, &nb) > 0 && EVP_PKEY_derive(a, sa, &na) > 0,
          "interleaved ECDH: derive");
    CHECK(na == wantlen && nb == wantlen && memcmp(sa, want, na) == 0 && memcmp(sb, want, nb) == 0,
          "interleaved ECDH: wrong secret");
    EVP_PKEY_CTX_free(a);
    EVP_PKEY_CTX_free(b);

    /* 2: init here, set_peer and derive in another thread. */
    EVP_PKEY_free(peer);
    EVP_PKEY_free(peer2);
    memset(&j, 0, sizeof(j));
    j.c = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    j.peer = peer = fresh_pub(peer0);
    CHECK(j.c != NULL && EVP_PKEY_derive_init(j.c) > 0, "ECDH across threads: init");
    CHECK(pthread_create(&t, NULL, peer_and_derive, &j) == 0, "ECDH across threads: thread");
    CHECK(pthread_join(t, NULL) == 0, "ECDH across threads: join");
    CHECK(j.ok && j.n == wantlen && memcmp(j.out, want, j.n) == 0,
          "ECDH across threads: set peer/derive in the second thread failed or wrong secret");
    EVP_PKEY_CTX_free(j.c);
    EVP_PKEY_free(peer);

    /* 3: set_peer in one context, derive in its duplicate (the original first
     * gets a second init, which must not disturb the duplicate). */
    peer = fresh_pub(peer0);
    a = EVP_PKEY_CTX_new_from_pkey(NULL, chip, NULL);
    CHECK(a != NULL && EVP_PKEY_derive_init(a) > 0 && EVP_PKEY_derive_set_peer(a, peer) > 0,
          "ECDH duplicate: init/set peer");
    d = EVP_PKEY_CTX_dup(a);
    CHECK(d != NULL, "ECDH duplicate: dup");
    CHECK(EVP_PKEY_derive_init(a) > 0, "ECDH duplicate: re-init of the original");
    na = sizeof(sa);
    CHECK(EVP_PKEY_derive(d, sa, &na) > 0 && na == wantlen && memcmp(sa, want, na) == 0,
          "ECDH duplicate: derive");
    EVP_PKEY_CTX_free(d);
    EVP_PKEY_CTX_free(a);
    EVP_PKEY_free(peer);
}

/* The documented way to have a reference file decoded by us, whatever order
 * OpenSSL tries decoders in: a decoder context restricted by property query
 * to provider=se05x. The key must be a chip key (held by se05x) that signs. */
static void decode_by_property(const char *path, EVP_PKEY *pub, const char *verifier)
{
    EVP_PKEY *k = NULL;
    BIO *in;
    OSSL_DECODER_CTX *d;
    const OSSL_PROVIDER *kp;
    if (strchr(path, ':') != NULL) /* a URI: the store, by scheme */
        return;
    in = BIO_new_file(path, "rb");
    CHECK(in != NULL, "%s: open", path);
    d = OSSL_DECODER_CTX_new_for_pkey(&k, NULL, NULL, NULL, OSSL_KEYMGMT_SELECT_KEYPAIR, NULL,
                                      "provider=se05x");
    CHECK(d != NULL && OSSL_DECODER_from_bio(d, in) == 1 && k != NULL,
          "%s: decoding with provider=se05x", path);
    kp = EVP_PKEY_get0_provider(k);
    CHECK(kp != NULL && strcmp(OSSL_PROVIDER_get0_name(kp), "se05x") == 0,
          "%s: decoded by %s with provider=se05x", path,
          kp != NULL ? OSSL_PROVIDER_get0_name(kp) : "(none)");
    sign_verify(k, pub, "se05x", verifier, path);
    OSSL_DECODER_CTX_free(d);
    BIO_free(in);
    EVP_PKEY_free(k);
}

/* A reference file read the way unmodified applications read key files,
 * without naming a provider (docs/provider.md "Reference-key files through
 * generic decoders"): PEM_read_bio_PrivateKey (what SSL_CTX_use_PrivateKey_file
 * and many programs call), a PEM decoder context for the key type, and
 * OSSL_STORE on the plain path. Each must give a key held by se05x whose
 * signature verifies with the chip's public key. Before the "PEM" decoder,
 * OpenSSL 3.5 decoded these with the default provider (the marker as a
 * software private key): held by default, signature not verifying. */
static void check_chip_key(EVP_PKEY *k, EVP_PKEY *pub, const char *verifier, const char *what)
{
    const OSSL_PROVIDER *kp = k != NULL ? EVP_PKEY_get0_provider(k) : NULL;
    CHECK(k != NULL, "%s: not decoded", what);
    CHECK(kp != NULL && strcmp(OSSL_PROVIDER_get0_name(kp), "se05x") == 0,
          "%s: key held by %s, expected se05x", what, kp != NULL ? OSSL_PROVIDER_get0_name(kp) : "(none)");
    sign_verify(k, pub, "se05x", verifier, what);
}

static void decode_generic(const char *path, const char *type, EVP_PKEY *pub, const char *verifier)
{
    EVP_PKEY *k = NULL;
    BIO *in;
    OSSL_DECODER_CTX *d;
    char what[256];
    if (strchr(path, ':') != NULL) /* a URI: the store, by scheme */
        return;
    in = BIO_new_file(path, "rb");
    CHECK(in != NULL, "%s: open", path);
    k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
    snprintf(what, sizeof(what), "%s via PEM_read_bio_PrivateKey", path);
    check_chip_key(k, pub, verifier, what);
    EVP_PKEY_free(k);
    k = NULL;
    CHECK(BIO_reset(in) == 0, "%s: rewind", path);
    d = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", NULL, type, OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
    CHECK(d != NULL && OSSL_DECODER_from_bio(d, in) == 1, "%s: PEM decoder for %s", path, type);
    snprintf(what, sizeof(what), "%s via a PEM decoder for %s", path, type);
    check_chip_key(k, pub, verifier, what);
    OSSL_DECODER_CTX_free(d);
    EVP_PKEY_free(k);
    k = NULL;
    /* A context for the other key type: no key, or ours (the decoder cannot
     * see the type asked for), never the marker as a software key, and no
     * crash (OpenSSL then asks our decoder to export: refused). */
    CHECK(BIO_reset(in) == 0, "%s: rewind", path);
    d = OSSL_DECODER_CTX_new_for_pkey(&k, "PEM", NULL, strcmp(type, "EC") == 0 ? "RSA" : "EC",
                                      OSSL_KEYMGMT_SELECT_KEYPAIR, NULL, NULL);
    CHECK(d != NULL, "%s: PEM decoder for the other type", path);
    (void)OSSL_DECODER_from_bio(d, in);
    if (k != NULL) {
        const OSSL_PROVIDER *kp = EVP_PKEY_get0_provider(k);
        CHECK(kp != NULL && strcmp(OSSL_PROVIDER_get0_name(kp), "se05x") == 0,
              "%s: decoded as the other type by %s", path, kp != NULL ? OSSL_PROVIDER_get0_name(kp) : "(none)");
    }
    ERR_clear_error();
    OSSL_DECODER_CTX_free(d);
    EVP_PKEY_free(k);
    BIO_free(in);
}

int main(int argc, char **argv)
{
    const char *order = getenv("PROVIDER_ORDER");
    unsigned char s1[256], s2[256];
    size_t n1, n2;
    CHECK(argc == 7, "usage: provider_route EC_KEY EC_PUB RSA_KEY RSA_PUB CHIP_EC CHIP_RSA");
    OSSL_PROVIDER *prov, *dflt;
    if (order != NULL && strcmp(order, "default") == 0) {
        dflt = OSSL_PROVIDER_load(NULL, "default");
        prov = OSSL_PROVIDER_load(NULL, "se05x");
    } else {
        prov = OSSL_PROVIDER_load(NULL, "se05x");
        dflt = OSSL_PROVIDER_load(NULL, "default");
    }
    CHECK(prov != NULL && dflt != NULL, "cannot load the providers");
    EVP_PKEY *ec = load(argv[1]), *ecpub = load(argv[2]), *rsa = load(argv[3]);
    EVP_PKEY *rsapub = load(argv[4]), *chip_ec = load(argv[5]), *chip_rsa = load(argv[6]);
    EVP_PKEY *chip_ecpub = NULL, *chip_rsapub = NULL;

    /* Ordinary keys: everything with the default provider. */
    /* An EC public key alone: taken by se05x when it comes first (it cannot
     * tell it from the peer of its ECDH without call-order state), verified
     * in software there; the default provider's when it comes first. */
    const char *ecverifier = order != NULL && strcmp(order, "default") == 0 ? "default" : "se05x";
    sign_verify(ec, ecpub, "default", ecverifier, "file P-256");
    sign_verify(rsa, rsapub, "default", "default", "file RSA");
    enc_dec(rsapub, rsa, "default", "default", "file RSA");
    n1 = derive(ec, ecpub, "default", s1, "file ECDH");
    CHECK(n1 == 32, "file ECDH length");

    /* Chip keys: private operations by se05x; the public half, exported the
     * way an application would (as a plain public key), by default. */
    {
        unsigned char *der = NULL;
        const unsigned char *q;
        int len = i2d_PUBKEY(chip_ec, &der);
        q = der;
        chip_ecpub = len > 0 ? d2i_PUBKEY(NULL, &q, len) : NULL;
        OPENSSL_free(der);
        der = NULL;
        len = i2d_PUBKEY(chip_rsa, &der);
        q = der;
        chip_rsapub = len > 0 ? d2i_PUBKEY(NULL, &q, len) : NULL;
        OPENSSL_free(der);
        CHECK(chip_ecpub != NULL && chip_rsapub != NULL, "chip public keys");
    }
    sign_verify(chip_ec, chip_ecpub, "se05x", ecverifier, "chip EC");
    sign_verify(chip_rsa, chip_rsapub, "se05x", "default", "chip RSA");
    enc_dec(chip_rsapub, chip_rsa, "default", "se05x", "chip RSA");
    /* ECDH both ways: chip key with the file peer, file key with the chip's public key. */
    n1 = derive(chip_ec, ecpub, "se05x", s1, "chip ECDH");
    n2 = derive(ec, chip_ecpub, "default", s2, "file ECDH with chip peer");
    CHECK(n1 == n2 && memcmp(s1, s2, n1) == 0, "ECDH secrets differ");
    ecdh_contexts(chip_ec, ecpub, s2, n2);
    if (strchr(argv[5], ':') == NULL) /* loaded through OSSL_STORE on the plain path */
        check_chip_key(chip_ec, chip_ecpub, ecverifier, "EC ref file through OSSL_STORE");
    if (strchr(argv[6], ':') == NULL)
        check_chip_key(chip_rsa, chip_rsapub, "default", "RSA ref file through OSSL_STORE");
    decode_generic(argv[5], "EC", chip_ecpub, ecverifier);
    decode_generic(argv[6], "RSA", chip_rsapub, "default");
    decode_by_property(argv[5], chip_ecpub, ecverifier);
    decode_by_property(argv[6], chip_rsapub, "default");
    CHECK(ERR_peek_error() == 0, "error queue not empty after success");

    EVP_PKEY_free(ec);
    EVP_PKEY_free(ecpub);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsapub);
    EVP_PKEY_free(chip_ec);
    EVP_PKEY_free(chip_rsa);
    EVP_PKEY_free(chip_ecpub);
    EVP_PKEY_free(chip_rsapub);
    OSSL_PROVIDER_unload(prov);
    OSSL_PROVIDER_unload(dflt);
    OPENSSL_cleanup();
    printf("provider_route (%s first): ok\n", order ? order : "se05x");
    return 0;
}
