/* SPDX-License-Identifier: Apache-2.0 */
/* Internal contracts of the OpenSSL 3 provider "se05x" (docs/provider.md).
 * Only this folder includes it. Prefix sxp_ = se05x provider. */
#ifndef SXP_H
#define SXP_H

#include <sys/types.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/evp.h>
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#define SXP_NAME "se05x"
/* Every algorithm of ours carries this property. */
#define SXP_PROPS "provider=se05x"
/* Operation names of our own (docs/provider.md "What routes where"): our
 * keymgmt answers query_operation_name with them, so a key held by our
 * keymgmt (a chip key) is always operated on by us, and a generic fetch
 * ("ECDSA", "RSA", "ECDH") for anybody else's key never finds us, whatever
 * the provider order. */
#define SXP_OP_ECDSA "SE05X-ECDSA"
#define SXP_OP_ECDH "SE05X-ECDH"
#define SXP_OP_RSA "SE05X-RSA"
/* Decoder names with name ids newer than "EC"/"RSA", for reference keys in
 * DER: OpenSSL (3.0 and 3.5) tries the key decoders collected last first, and
 * collects them in name-id order, so these run before the default provider's
 * in both provider orders when raw DER is decoded. Each needs a keymgmt of
 * that name to be collected (prov.c). That order is NOT documented: it is
 * the dependence on libcrypto's internals left, for DER only (PEM: see
 * SXP_DEC_TAG; docs/provider.md "Documented OpenSSL behaviour only" names
 * the order-free ways: nxp:<path>, a provider=se05x decoder query). */
#define SXP_DEC_EC "SE05X-EC-REFKEY"
#define SXP_DEC_RSA "SE05X-RSA-REFKEY"
/* Reference-key PEM (every label: PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE
 * KEY) is read by a decoder NAMED "PEM" with input type PEM. OpenSSL builds
 * a decoder chain in rounds: the key decoders first, then the decoders named
 * after the input types of the previous round (pem2der is named "DER" and
 * takes PEM), then those named after theirs (ours: "PEM"); it tries the
 * decoders added last first, so ours runs on the PEM text before pem2der,
 * in both provider orders, on 3.0 and 3.5 (docs/openssl.md "How OpenSSL
 * picks a decoder"). No decoder of ours may take input type PEM under
 * another name: it would pull this one into pem2der's round. */
#define SXP_DEC_TAG "PEM"
#define SXP_MAX_SESSIONS 4
#define SXP_CONN_MAX 256

/* Reason codes pushed on the OpenSSL error queue (errors.c). */
enum {
    SXP_R_CHIP = 1,        /* the chip (or the link) refused / failed */
    SXP_R_NOT_CHIP_KEY,    /* a private operation on a key we do not hold */
    SXP_R_EXPORT_DENIED,   /* private key export refused */
    SXP_R_BAD_PARAM,       /* unsupported or malformed parameter */
    SXP_R_BAD_URI,         /* malformed nxp:/se05x: URI */
    SXP_R_BAD_KEY,         /* malformed reference key */
    SXP_R_UNSUPPORTED,     /* operation/algorithm we do not offer */
    SXP_R_INTERNAL,
};

/* Provider context: all our state (no globals). */
typedef struct sxp_prov {
    const OSSL_CORE_HANDLE *handle;
    OSSL_LIB_CTX *corectx;  /* from the core dispatch: only for core BIOs */
    OSSL_LIB_CTX *libctx;   /* private, default provider only: our host crypto never
                             * recurses into ourselves (docs/protocol/compat.md R2) */
    char port[SXP_CONN_MAX];/* "port" from the config section; "" = resolve at open */
    int rand_enabled;       /* "rand = yes": also offer CTR-DRBG (see rand.c) */
    se05x_pool *pool;       /* the session life cycle: lazy open, reconnect, fork
                             * (libse05x session pool, docs/api.md) */
    OSSL_FUNC_core_new_error_fn *up_new_error;
    OSSL_FUNC_core_set_error_debug_fn *up_set_error_debug;
    OSSL_FUNC_core_vset_error_fn *up_vset_error;
} SXP_PROV;

/* prov.c: sessions from the provider's pool. conn NULL/"" = the provider's
 * default connection ("port" of the config section, else resolved by the
 * lib). Opens on first use (a forked child opens its own). On failure pushes
 * an error and returns NULL. Every session returned must be handed back with
 * sxp_session_end(). */
se05x_session *sxp_session(SXP_PROV *p, const char *conn);
/* Ends one attempt (number `attempt`, 0 first) of a chip command that
 * returned rc: a final failure is pushed on the error queue with the
 * calling thread's detail (what, id), then s goes back to the pool (a link
 * failure retires it). Returns 1 when the caller should try once more on a
 * fresh session (the link dropped on the first attempt), else 0. This is what
 * keeps a long-running daemon (nginx, mender) working across a chip reset or
 * an emulator/access-manager restart. */
int sxp_session_end(SXP_PROV *p, se05x_session *s, se05x_rc rc, int attempt, const char *what,
                    se05x_objid id);

/* errors.c */
void sxp_err(SXP_PROV *p, int reason, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Pushes "se05x: <session last error>" for a failed lib call. */
void sxp_err_chip(SXP_PROV *p, se05x_session *s, se05x_rc rc, const char *what, se05x_objid id);
const OSSL_ITEM *sxp_reason_strings(void);

/* key.c: the key object shared by keymgmt, signature, exchange, cipher,
 * encoder, decoder and store. Immutable once built; reference counted. */
typedef struct sxp_key {
    SXP_PROV *prov;
    int refs;
    se05x_kind kind;          /* SE05X_KIND_EC or SE05X_KIND_RSA */
    int chip;                 /* 1: backed by a chip object (id valid) */
    se05x_objid id;
    se05x_curve curve;        /* EC */
    int public_only;          /* chip object without private part, or foreign public key */
    char conn[SXP_CONN_MAX];  /* "" = provider default */
    EVP_PKEY *pub;            /* public key in prov->libctx; NULL = empty */
    int from_ref;             /* pub is the public part of a reference key file */
    EVP_PKEY *soft;           /* chip 0 only: a software key (or domain parameters)
                               * that OpenSSL asked US to generate because this
                               * provider came first (TLS ephemeral keys); handled
                               * by the default provider's code in prov->libctx,
                               * never by the chip. NULL otherwise. */
    se05x_objid gen_id;       /* domain parameters made with an object id (NXP's
                               * "prime256v1:<id>"): a key generated from them as
                               * a template goes to the chip under that id */
    int from_group_id;        /* chip key made from NXP's "<curve>:<id>" group name:
                               * `openssl ecparam -name prime256v1:<id> -genkey`
                               * makes it first as "parameters", then asks for a
                               * key from that template: it gets this very key */
} SXP_KEY;

SXP_KEY *sxp_key_new(SXP_PROV *p, se05x_kind kind);
SXP_KEY *sxp_key_ref(SXP_KEY *k);
void sxp_key_free(SXP_KEY *k);
/* Reads kind, curve and public key of object `id` from the chip. */
SXP_KEY *sxp_key_from_chip(SXP_PROV *p, se05x_objid id, const char *conn);
/* Builds a chip key from a reference key file's bytes (PEM or DER). Returns
 * NULL without an error when the input is not a reference key (*is_ref 0). */
SXP_KEY *sxp_key_from_refkey(SXP_PROV *p, const uint8_t *data, size_t len, const char *conn,
                             int *is_ref);
/* Public EVP_PKEY (private libctx) -> key object: foreign public key (chip 0). */
SXP_KEY *sxp_key_from_public(SXP_PROV *p, se05x_kind kind, EVP_PKEY *pub);
se05x_session *sxp_key_session(SXP_KEY *k);
/* Builds a public EVP_PKEY in p->libctx from raw chip data. */
EVP_PKEY *sxp_pkey_ec(SXP_PROV *p, se05x_curve c, const uint8_t *pt, size_t ptlen);
EVP_PKEY *sxp_pkey_rsa(SXP_PROV *p, const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen);
/* What the lib checks the chip's answers for k against (docs/verify-after-sign.md):
 * k->pub, named after where it came from. */
struct se05x_check sxp_key_check(const SXP_KEY *k);
/* Ensures a private operation may use k (chip key pair); pushes an error otherwise. */
int sxp_key_check_private(SXP_KEY *k, const char *op);
/* The reference key of a chip key pair as an EVP_PKEY in prov->libctx
 * (built by the lib writer): its "private" values are the marker. */
EVP_PKEY *sxp_key_marker_pkey(const SXP_KEY *k);
/* The EVP_PKEY that carries everything OpenSSL may ask about the key. */
EVP_PKEY *sxp_key_info(const SXP_KEY *k);
/* 04||X||Y of an EC public key; returns length or 0. */
size_t sxp_ec_point(EVP_PKEY *pk, uint8_t *buf, size_t cap);

/* params.c: shared OSSL_PARAM helpers. */
/* Digest name -> lib digest, NONE if unsupported. */
se05x_digest sxp_md_from_name(const char *name);
/* Fetches a digest from our private libctx. */
EVP_MD *sxp_md_fetch(SXP_PROV *p, const char *name);

/* Algorithm tables (one per file). */
extern const OSSL_DISPATCH sxp_ec_keymgmt_functions[];
extern const OSSL_DISPATCH sxp_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH sxp_ecdsa_signature_functions[];
extern const OSSL_DISPATCH sxp_rsa_signature_functions[];
extern const OSSL_DISPATCH sxp_ecdh_keyexch_functions[];
extern const OSSL_DISPATCH sxp_rsa_asym_functions[];
extern const OSSL_DISPATCH sxp_rand_functions[];
extern const OSSL_DISPATCH sxp_store_functions[];
extern const OSSL_DISPATCH sxp_dec_ec_functions[];
extern const OSSL_DISPATCH sxp_dec_rsa_functions[];
extern const OSSL_DISPATCH sxp_dec_tag_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_spki_der_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_spki_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_spki_der_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_spki_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_p8_der_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_p8_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_p8_der_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_p8_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_sec1_der_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_sec1_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_pkcs1_der_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_pkcs1_pem_functions[];
extern const OSSL_DISPATCH sxp_enc_ec_text_functions[];
extern const OSSL_DISPATCH sxp_enc_rsa_text_functions[];

/* gen.c: key generation on the chip (hooked into both keymgmts). */
void *sxp_gen_init(void *provctx, int selection, const OSSL_PARAM params[], se05x_kind kind);
int sxp_gen_set_params(void *genctx, const OSSL_PARAM params[]);
const OSSL_PARAM *sxp_gen_settable_params(void *genctx, void *provctx);
void *sxp_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg);
void sxp_gen_cleanup(void *genctx);
int sxp_gen_set_template(void *genctx, void *templ);

/* capabilities.c */
int sxp_get_capabilities(void *provctx, const char *capability, OSSL_CALLBACK *cb, void *arg);
/* EXPORT_OBJECT of the decoder and the store: a chip key is never exported
 * into another provider's keymgmt (its private part does not exist off-chip). */
int sxp_no_export_object(void *ctx, const void *ref, size_t ref_sz, OSSL_CALLBACK *cb, void *arg);
/* key.c: hands k to cb as a finished PKEY object (object type, data type
 * "EC"/"RSA", a reference to k), as the DER decoders and the store answer
 * OpenSSL. Returns cb's result; k stays the caller's to free. */
int sxp_key_object_cb(SXP_KEY *k, OSSL_CALLBACK *cb, void *cbarg);

#endif
