/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the emulated card shared by card.c and the applet_*.c command
 * handlers. Each handler parses its own TLVs, checks, acts through the store
 * and writes its response TLVs; it returns the status word. Response data
 * written by a handler that returns an error is discarded. */
#ifndef SIM_CARD_INTERNAL_H
#define SIM_CARD_INTERNAL_H

#include <openssl/types.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "apdu_parse.h"
#include "scp03.h"
#include "se05x_proto.h"
#include "sim.h"
#include "store.h"
#include "tlv.h"
#include "variant.h"

/* Largest ReadIDList page (7.x payload); the default follows the variant (A5). */
#define SIM_IDLIST_PAGE_DEFAULT ((SE05X_MAX_APDU_PAYLOAD_7X - 16) / 4)
#define SIM_AUTH_NO_SESSION 0x00000000u
#define SIM_MAX_SESSIONS 2
#define SIM_MAX_CRYPTO_OBJECTS 8

struct sim_card {
    struct sim_card_cfg cfg; /* strings point into the copies below */
    const struct sim_variant *var; /* the emulated chip (variant.h) */
    char *state_dir, *stats_path;
    pthread_mutex_t lock;       /* one APDU at a time, card-wide */
    pthread_mutex_t stats_lock; /* --stats file appends */
    struct sim_store store;
    bool selected;
    uint8_t version[SE05X_SELECT_RSP_LEN];
    /* Applet sessions (§13; UserID authentication only). They live in
     * TRANSIENT_DESELECT memory: deselect, chip reset and END OF APDU
     * SESSION drop them. */
    struct sim_session {
        bool used, authenticated;
        uint8_t id[SE05X_SESSION_ID_LEN];
        uint32_t auth; /* auth object id */
        bool aes;      /* AESKey auth object: applet SCP03 handshake and wrapping */
        struct sim_scp03 scp;
    } sessions[SIM_MAX_SESSIONS];
    struct sim_session *cur; /* session of the APDU being processed, or NULL */
    bool lock_transient;     /* SetLockState TRANSIENT_LOCK (A13), dropped by a reset */
    struct sim_scp03 scp;    /* Platform SCP03 channel */
    /* Crypto objects (§4.5): digest / cipher / MAC contexts of the multi-step
     * operations; RAM only (TRANSIENT_DESELECT). */
    struct sim_cobj {
        bool used, active;
        uint16_t id;
        uint8_t context, subtype;
        bool enc, verify;
        void *md;     /* EVP_MD_CTX * */
        void *cipher; /* EVP_CIPHER_CTX * */
        void *mac;    /* EVP_MAC_CTX * */
    } cobjs[SIM_MAX_CRYPTO_OBJECTS];
    uint32_t cur_auth;       /* its auth object id once authenticated, else 0 */
};

typedef uint16_t (*sim_handler)(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w);

/* Response TLVs in the configured length form (A7). */
void rsp_data(const struct sim_card *c, struct tlv_w *w, uint8_t tag, const void *p, size_t n);
void rsp_u8(const struct sim_card *c, struct tlv_w *w, uint8_t tag, uint8_t v);
void rsp_u16(const struct sim_card *c, struct tlv_w *w, uint8_t tag, uint16_t v);

/* Looks up an object for an operation: 6A80 if absent, 6985 if its value
 * was cleared or it is an incomplete RSA import, 6986 if the policy does not
 * grant `rule` (0 = no policy check). */
uint16_t card_use_obj(struct sim_card *c, uint32_t id, uint32_t rule, struct sim_obj **out);
/* Checks a write to an existing object: PROVISIONED objects are read-only
 * (6985), the policy must grant `rule` (6986; not checked while an RSA import
 * is incomplete). */
uint16_t card_check_rewrite(const struct sim_card *c, const struct sim_obj *o, uint32_t rule);
/* Policy check for the current caller (no session: auth id 00000000). */
bool card_allows(const struct sim_card *c, const struct sim_obj *o, uint32_t rule);
/* Body that is exactly a TAG 1 object id (4 bytes): the id, or 6A80 /
 * the TLV parse error (applet_mgmt.c). */
uint16_t card_id_arg(const struct sim_apdu *a, uint32_t *id);
/* card_id_arg and the object it names: 6A80 when absent (applet_read.c). */
uint16_t card_find_by_id(struct sim_card *c, const struct sim_apdu *a, struct sim_obj **o);
/* Parses a body of the allowed tags into *t and finds the object its TAG 1
 * names: the parse error, or 6A80 when the id is missing or the object
 * absent (applet_read.c; ReadObject and ReadAttributes, plain or attested). */
uint16_t card_find_in(struct sim_card *c, const struct sim_apdu *a, const uint8_t *tags, size_t ntags,
                      struct sim_tlvs *t, struct sim_obj **o);
/* Applies a TAG 11 policy value to a new object (6984 if malformed). */
uint16_t card_set_policy(struct sim_obj *o, const struct sim_tlvs *t);
/* True when a Weierstrass curve is usable (created and all params set). */
bool card_curve_ready(const struct sim_card *c, uint8_t curve);

/* A11 timestamp (applet_mgmt.c). */
void card_timestamp(const struct sim_card *c, uint8_t out[12]);
/* §19 attributes of o into buf (>= 14 + 256 + 1 + 4 bytes) as the card's
 * generation lays them out; returns the length. */
size_t card_attributes(const struct sim_card *c, const struct sim_obj *o, uint8_t *buf);
/* The type code of o as this card reports it (7.x: curve-specific EC codes). */
static inline uint8_t card_wire_type(const struct sim_card *c, const struct sim_obj *o)
{
    return sim_wire_type(c->var->gen, o->type, o->curve);
}
/* §18 attested answer (layout 1 on 3.x, layout 2 on 7.x) for object o whose
 * readable data is (data, n) (data NULL: none), using TAG 45 key id, 46
 * algorithm, 47 freshness of t; a is the attested command (layout 2 signs its hash). */
uint16_t card_attest(struct sim_card *c, const struct sim_apdu *a, const struct sim_tlvs *t,
                     const struct sim_obj *o, const uint8_t *data, size_t n, struct tlv_w *w);

/* Provisioning of a fresh card (provision.c). */
int sim_provision(struct sim_card *c, char *err, size_t errlen);

/* Handlers (applet_*.c). */
uint16_t h_get_version(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_get_version_ext(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_get_memory(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_get_random(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_exists(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_delete(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_delete_all(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_create_session(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_get_timestamp(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_close_session(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_verify_userid(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_refresh_session(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_set_lock_state(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
/* A13: locked applet (transient or persistent lock). */
static inline bool card_locked(const struct sim_card *c) { return c->lock_transient || c->store.locked; }
/* Runs one (inner) APDU through the dispatch table. */
uint16_t card_dispatch(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w);
/* ProcessSessionCmd (80 05 00 00): runs the inner APDU in its session. */
uint16_t card_process_session(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w);
/* Drops every applet session (deselect, chip reset, END OF APDU SESSION). */
void card_drop_sessions(struct sim_card *c);

uint16_t h_read_object(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_type(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_size(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_idlist(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_attributes(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_crypto_list(struct sim_card *, const struct sim_apdu *, struct tlv_w *);

uint16_t h_write_binary(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_write_symm(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_write_userid(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_write_counter(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_write_pcr(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_export_object(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_import_object(struct sim_card *, const struct sim_apdu *, struct tlv_w *);

uint16_t h_create_curve(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_set_curve_param(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_get_curve_id(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_read_curve_list(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_delete_curve(struct sim_card *, const struct sim_apdu *, struct tlv_w *);

uint16_t h_write_ec(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_ecdh(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t ec_sign(struct sim_card *, struct sim_obj *, const struct sim_tlvs *, struct tlv_w *);
uint16_t ec_verify(struct sim_card *, struct sim_obj *, const struct sim_tlvs *, struct tlv_w *);
/* ECSignatureAlgo byte (SE05X_ECSIG_SHA*) -> digest; NULL otherwise. */
const EVP_MD *card_ecsig_md(uint8_t algo);

uint16_t h_write_rsa(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
/* Every component the RSA object's type and format need is present. */
bool card_rsa_complete(const struct sim_obj *o);
uint16_t h_rsa_encrypt(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_rsa_decrypt(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t rsa_sign(struct sim_card *, struct sim_obj *, const struct sim_tlvs *, struct tlv_w *);
uint16_t rsa_verify(struct sim_card *, struct sim_obj *, const struct sim_tlvs *, struct tlv_w *);

uint16_t h_digest_oneshot(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_create_crypto_obj(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_delete_crypto_obj(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_digest_step(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_cipher_init(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_cipher_step(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_mac_init(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_mac_step(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
/* Frees every crypto object (deselect, chip reset, DeleteAll, close). */
void card_drop_crypto_objects(struct sim_card *c);
uint16_t h_mac_oneshot(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_cipher_oneshot(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_hkdf(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_pbkdf2(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
/* DigestMode byte (01 SHA-1, 07 SHA-224, 04 SHA-256, 05 SHA-384, 06 SHA-512)
 * -> digest; NULL when unknown (applet_sym.c). */
const EVP_MD *card_digest_mode_md(uint8_t m);
/* HMAC MACAlgo byte (18..1B) -> libcrypto digest name; NULL when not HMAC. */
const char *card_hmac_digest_name(uint8_t algo);
/* card_use_obj for a symmetric key of exactly this type: 6985 for another
 * type, checked before the policy `rule`. */
uint16_t card_use_sym_key(struct sim_card *c, uint32_t id, uint8_t type, uint32_t rule, struct sim_obj **o);
/* MAC context keyed with `key` for a MACAlgo byte: HMAC (18..1B) or AES-CMAC
 * (31, cipher by key length); NULL when it cannot be set up. */
EVP_MAC_CTX *card_mac_start(const struct sim_obj *key, uint8_t algo);
/* Answer of a MAC: generate returns it (TAG 1), validate compares it with
 * `tag` in constant time and returns 01 / 02. */
void card_mac_answer(const struct sim_card *c, struct tlv_w *w, bool validate, const uint8_t *tag, size_t taglen,
                     const uint8_t *mac, size_t ml);
/* AES cipher of a CipherMode (0E ECB, 0D CBC, F0 CTR; no padding) for a key of kl bytes. */
const EVP_CIPHER *card_aes_cipher(uint8_t mode, size_t kl);
/* TAG 4 IV of an AES operation into iv: ECB takes none, the others 16 bytes
 * or none (zeros). False when malformed. */
bool card_aes_iv(uint8_t mode, const struct sim_tlvs *t, uint8_t iv[16]);

/* Sign / verify dispatch on the key type (applet_crypto.c). */
uint16_t h_sign(struct sim_card *, const struct sim_apdu *, struct tlv_w *);
uint16_t h_verify(struct sim_card *, const struct sim_apdu *, struct tlv_w *);

static inline bool type_is_ec(uint8_t t) { return t >= SE05X_TYPE_EC_KEY_PAIR && t <= SE05X_TYPE_EC_PUB; }
static inline bool type_is_rsa(uint8_t t)
{
    return t >= SE05X_TYPE_RSA_KEY_PAIR && t <= SE05X_TYPE_RSA_PUB;
}
static inline bool type_has_priv(uint8_t t)
{
    return t == SE05X_TYPE_EC_KEY_PAIR || t == SE05X_TYPE_EC_PRIV || (type_is_rsa(t) && t != SE05X_TYPE_RSA_PUB);
}
static inline bool type_has_pub(uint8_t t)
{
    return t == SE05X_TYPE_EC_KEY_PAIR || t == SE05X_TYPE_EC_PUB || t == SE05X_TYPE_RSA_KEY_PAIR ||
           t == SE05X_TYPE_RSA_KEY_PAIR_CRT || t == SE05X_TYPE_RSA_PUB;
}

#endif
