/* SPDX-License-Identifier: Apache-2.0 */
/* First start of a card (docs/protocol/open-questions.md D2): reserved and trust-
 * provisioned objects, all of origin PROVISIONED (undeletable, read-only):
 *   7FFF0201 device EC key pair (P-256)
 *   7FFF0206 UID (18 bytes, prefix 04 00 50 01)
 * The FACTORY_RESET auth object 7FFF0205 is not provisioned: a host creates
 * it with WriteUserID (as Nitrokey's backend does) to be able to DeleteAll.
 *   F0000012 attestation key pair (P-256, policy READ + ATTESTATION only)
 *   F0000013 its X.509 certificate, signed by an emulator test CA that is
 *            created here and saved as DIR/ca.crt + DIR/ca.key (0600). */
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "card_internal.h"
#include "crypto.h"
#include "log.h"
#include "statedir.h"

static struct sim_obj *prov(uint32_t id, uint8_t type)
{
    struct sim_obj *o = sim_obj_new(id, type);
    if (o)
        o->origin = SE05X_ORIGIN_PROVISIONED;
    return o;
}

static int add(struct sim_card *c, struct sim_obj *o)
{
    /* inserted without persisting: the state file is written once at the end */
    char *dir = c->store.dir;
    c->store.dir = NULL;
    uint16_t sw = o ? store_put(&c->store, o) : SE05X_SW_FILE_FULL;
    c->store.dir = dir;
    if (sw != SE05X_SW_OK)
        sim_obj_free(o);
    return sw == SE05X_SW_OK ? 0 : -1;
}

static struct sim_obj *ec_pair(uint32_t id, uint8_t **pub, size_t *publen)
{
    uint8_t priv[133], p[133];
    size_t privlen, pl;
    const struct sim_curve_info *ci = sim_curve(SE05X_CURVE_NIST_P256);
    struct sim_obj *o = prov(id, SE05X_TYPE_EC_KEY_PAIR);
    if (!o || !sim_ec_generate(ci, priv, &privlen, p, &pl) ||
        !sim_obj_set_part(o, SIM_P_EC_PRIV, priv, privlen) || !sim_obj_set_part(o, SIM_P_EC_PUB, p, pl)) {
        sim_obj_free(o);
        o = NULL;
    }
    OPENSSL_cleanse(priv, sizeof priv);
    if (o) {
        o->curve = SE05X_CURVE_NIST_P256;
        if (pub) {
            *pub = o->part[SIM_P_EC_PUB];
            *publen = o->part_len[SIM_P_EC_PUB];
        }
    }
    return o;
}

static int set_name(X509_NAME *n, const char *cn)
{
    return X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"se05x-sim", -1, -1, 0) &&
           X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static X509 *make_cert(EVP_PKEY *subject_key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       bool ca)
{
    X509 *x = X509_new();
    BIGNUM *serial = BN_new();
    int ok = x && serial && X509_set_version(x, 2) && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) &&
             X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
             X509_gmtime_adj(X509_getm_notAfter(x), 20L * 365 * 24 * 3600) &&
             set_name(X509_get_subject_name(x), cn) && X509_set_pubkey(x, subject_key) &&
             X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) &&
             add_ext(x, issuer ? issuer : x, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE") &&
             add_ext(x, issuer ? issuer : x, NID_key_usage,
                     ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
             X509_sign(x, issuer_key, EVP_sha256()) > 0;
    BN_free(serial);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Writes a PEM file atomically with mode 0600 (statedir.h: a new temp
 * file created exclusively, renamed over NAME; no symlink followed). */
static int write_pem(int dfd, const char *name, X509 *cert, EVP_PKEY *key)
{
    BIO *m = BIO_new(BIO_s_secmem());
    char *p = NULL;
    int ok = m && (cert ? PEM_write_bio_X509(m, cert) : PEM_write_bio_PrivateKey(m, key, NULL, NULL, 0, NULL, NULL));
    long n = ok ? BIO_get_mem_data(m, &p) : 0;
    ok = ok && n > 0 && statedir_write_file(dfd, name, p, (size_t)n) == 0;
    BIO_free(m);
    return ok ? 0 : -1;
}

int sim_provision(struct sim_card *c, char *err, size_t errlen)
{
    uint8_t uid[SE05X_UID_LEN] = {0x04, 0x00, 0x50, 0x01};
    uint8_t *apub = NULL;
    size_t apublen = 0;
    char cn[96];
    EVP_PKEY *ca_key = NULL, *att = NULL;
    X509 *ca = NULL, *cert = NULL;
    unsigned char *der = NULL;
    int derlen, rc = -1;

    c->store.created = (uint64_t)time(NULL);
    if (RAND_bytes(uid + 4, sizeof uid - 4) != 1)
        goto out;
    struct sim_obj *o = prov(SE05X_OBJ_UID, SE05X_TYPE_BINARY);
    if (!o || !sim_obj_set_part(o, SIM_P_VALUE, uid, sizeof uid)) {
        sim_obj_free(o);
        goto out;
    }
    o->reserve = sizeof uid;
    if (add(c, o) != 0 || add(c, ec_pair(SE05X_OBJ_KP_ECKEY_USER, NULL, NULL)) != 0)
        goto out;
    o = ec_pair(SE05X_OBJ_ATTEST_KEY, &apub, &apublen);
    if (!o)
        goto out;
    static const uint8_t att_policy[] = {0x08, 0, 0, 0, 0, 0x00, 0x20, 0x80, 0x00};
    memcpy(o->policy, att_policy, sizeof att_policy);
    o->policy_len = sizeof att_policy;
    att = sim_ec_pkey(sim_curve(SE05X_CURVE_NIST_P256), NULL, 0, apub, apublen);
    if (add(c, o) != 0 || !att)
        goto out;

    ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ca = ca_key ? make_cert(ca_key, "se05x-sim test CA (not NXP)", NULL, ca_key, true) : NULL;
    int n = snprintf(cn, sizeof cn, "se05x-sim attestation ");
    for (size_t i = 0; i < sizeof uid && n + 2 < (int)sizeof cn; i++)
        n += snprintf(cn + n, sizeof cn - (size_t)n, "%02X", uid[i]);
    cert = ca ? make_cert(att, cn, ca, ca_key, false) : NULL;
    derlen = cert ? i2d_X509(cert, &der) : -1;
    if (derlen <= 0 || derlen > SE05X_BINARY_MAX_LEN)
        goto out;
    o = prov(SE05X_OBJ_ATTEST_CERT, SE05X_TYPE_BINARY);
    if (!o || !sim_obj_set_part(o, SIM_P_VALUE, der, (size_t)derlen)) {
        sim_obj_free(o);
        goto out;
    }
    o->reserve = (uint32_t)derlen;
    if (add(c, o) != 0)
        goto out;
    if (c->store.dir && (write_pem(c->store.dir_fd, "ca.key", NULL, ca_key) != 0 ||
                         write_pem(c->store.dir_fd, "ca.crt", ca, NULL) != 0)) {
        snprintf(err, errlen, "cannot write the test CA into %s", c->store.dir);
        goto out_msg;
    }
    if (store_persist(&c->store) != 0) {
        snprintf(err, errlen, "cannot write the state file into %s", c->store.dir);
        goto out_msg;
    }
    SIM_INFO("provisioned a new card in %s", c->store.dir ? c->store.dir : "(memory)");
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen, "provisioning of the emulated card failed");
out_msg:
    OPENSSL_free(der);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(att);
    return rc;
}
