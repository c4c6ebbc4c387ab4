/* SPDX-License-Identifier: Apache-2.0 */
/* Internal contract of libsss_pkcs11.so (not installed).
 *
 * All module state hangs off one struct p11_ctx allocated in C_Initialize
 * and freed in C_Finalize. PKCS#11 has exactly one module instance per
 * process, so the only static is the pointer to that context (module.c).
 * Every entry point takes the module lock for its whole duration; the
 * chip session serialises its own APDUs anyway, so nothing is lost. */
#ifndef SE05X_P11_H
#define SE05X_P11_H

#include <p11-kit/pkcs11.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/types.h>
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#define P11_SLOT_ID 1
#define P11_TOKEN_LABEL "SSS_PKCS11"
#define P11_DEFAULT_PIN "1234"
#define P11_MAX_SESSIONS 64
#define P11_MAX_DATA (64 * 1024) /* bound for buffered multi-part input */
/* PIN held by the chip (pin_chip.c, docs/pkcs11.md, docs/protocol/userid-pin.md) */
#define P11_PIN_USERID 0x7BFF0001u /* UserID auth object of the token PIN */
#define P11_PIN_TRIES_DEFAULT 5
#define P11_CHIP_PIN_MIN 4
#define P11_CHIP_PIN_MAX 16
enum p11_pin_mode { P11_PIN_MODE_UNREAD = 0, P11_PIN_MODE_HOST, P11_PIN_MODE_CHIP, P11_PIN_MODE_BAD };

/* Handle layout: (entry index + 1) << 2 | sub. */
enum p11_sub { P11_SUB_PRIV = 1, P11_SUB_PUB = 2, P11_SUB_OTHER = 3 };

/* One SE object id (or one host-only session object), cached for the
 * lifetime of the module: what an object is cannot change while it exists. */
struct p11_entry {
    size_t idx;         /* own index (handle = (idx + 1) << 2 | sub) */
    se05x_objid id;
    int valid;          /* 0 once destroyed or seen gone from the chip */
    int host_only;      /* derived secret held in host memory (session object) */
    int session_obj;    /* chip transient object made as a session object (CKA_TOKEN false) */
    CK_SESSION_HANDLE owner; /* host_only, session_obj: owning session */
    int info_ok;
    struct se05x_object_info info;
    EVP_PKEY *pub;      /* keys: public key; certificates: subject key */
    int bin_loaded;     /* binary: contents read */
    uint8_t *bin;
    size_t bin_len;
    X509 *x509;         /* binary holding a DER X.509 certificate */
    int pair_done;      /* certificate pairing computed */
    se05x_objid pair_id;/* key id the certificate belongs to (0: none) */
    uint8_t *secret;    /* host_only secret value */
    size_t secret_len;
    CK_BBOOL s_sensitive, s_extractable;
    int lock_known;     /* lock state read (once, when CKA_DESTROYABLE is asked) */
    int locked;         /* the object's own policy is locked (se05x_policy_is_locked) */
};

enum p11_op_kind { P11_OP_NONE = 0, P11_OP_SIGN, P11_OP_VERIFY, P11_OP_DECRYPT, P11_OP_ENCRYPT,
                   P11_OP_DIGEST };

struct p11_op {
    int active;
    CK_MECHANISM_TYPE mech;
    CK_OBJECT_HANDLE key;
    size_t entry;         /* index of the key entry */
    const EVP_MD *md;     /* hashing mechanisms (NULL: raw input) */
    EVP_MD_CTX *mdctx;    /* multi-part hashing */
    uint8_t *buf;         /* raw multi-part input */
    size_t buf_len;
    int updated;          /* an Update was made (single-part call now invalid) */
    int oneshot;          /* a single-part call asked for the length (multi-part now invalid) */
    /* PSS / OAEP parameters */
    const EVP_MD *pss_md;
    int salt_len;
};

struct p11_session {
    CK_SESSION_HANDLE handle; /* 0 = free slot */
    CK_FLAGS flags;
    struct p11_op sign, verify, decrypt, encrypt, digest;
    int find_active;
    CK_OBJECT_HANDLE *found;
    size_t n_found, pos;
};

struct p11_lock {
    void *mutex;          /* app mutex or pthread_mutex_t* */
    int app;              /* 1: app callbacks */
    CK_CREATEMUTEX create;
    CK_DESTROYMUTEX destroy;
    CK_LOCKMUTEX lock;
    CK_UNLOCKMUTEX unlock;
};

struct p11_ctx {
    pid_t pid;
    struct p11_lock lock;
    /* The session life cycle (lazy open, reconnect after a dropped link, fork)
     * is libse05x's session pool (docs/api.md "Session pool"). se is the
     * session taken from it by p11_chip() for the entry point running now
     * (under the module lock); P11_LEAVE hands it back with se_rc, the link
     * failure p11_rv() saw (if any), which retires it. */
    se05x_pool *pool;
    se05x_session *se;
    se05x_rc se_rc;
    int have_uid;
    uint8_t uid[18];
    int logged_in;
    int legacy_swap;      /* SE05X_PKCS11_LEGACY_LABELS=1: sss:01101820 is 0x20181001 */
    int any_pin;          /* SE05X_PKCS11_ANY_PIN=1: NXP compatibility, any PIN logs in */
    char pin[128];
    CK_SESSION_HANDLE next_handle;
    struct p11_session sess[P11_MAX_SESSIONS];
    struct p11_entry **ent; /* individually allocated: pointers stay valid */
    size_t n_ent, cap_ent;
    int listed;           /* full enumeration done at least once */
    /* pin_chip.c: SE05X_PKCS11_PIN_MODE=chip */
    int pin_mode;         /* enum p11_pin_mode */
    uint16_t pin_tries;   /* attempt limit of a UserID created here */
    uint8_t chip_pin[P11_CHIP_PIN_MAX]; /* PIN of the open applet session (re-authentication) */
    size_t chip_pin_len;
};

/* module.c: the context of this process or NULL (checks the pid: a forked
 * child sees NULL until it calls C_Initialize). */
struct p11_ctx *p11_ctx_get(void);
/* Answer of an entry point this module does not offer (CKR_FUNCTION_NOT_SUPPORTED,
 * or CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize). */
CK_RV p11_not_supported(void);
/* Copies src into a fixed-width PKCS#11 text field, blank padded, truncated. */
void p11_pad_copy(unsigned char *dst, size_t n, const char *src);
/* PKCS#11 output length convention: a NULL buf asks the length, a *len
 * below need gets CKR_BUFFER_TOO_SMALL; both set *len = need. Returns 1 when
 * the call is answered so (*rv set), 0 when buf takes the output. */
int p11_len_answer(const void *buf, CK_ULONG need, CK_ULONG_PTR len, CK_RV *rv);

/* locking.c */
CK_RV p11_lock_init(struct p11_lock *l, const CK_C_INITIALIZE_ARGS *args);
void p11_lock_free(struct p11_lock *l);
void p11_lock(struct p11_lock *l);
void p11_unlock(struct p11_lock *l);
/* fork() child: the lock that the forking thread took in the prepare
 * handler is released (application mutex) or re-initialised (own mutex). */
void p11_lock_child_reset(struct p11_lock *l);

/* Entry-point prologue: resolves the context and takes the lock. */
#define P11_ENTER(ctx)                                 \
    struct p11_ctx *ctx = p11_ctx_get();               \
    if (!ctx) return CKR_CRYPTOKI_NOT_INITIALIZED;     \
    p11_lock(&ctx->lock)
#define P11_LEAVE(ctx, rv) do { CK_RV rv_ = (rv); p11_chip_release(ctx); p11_unlock(&(ctx)->lock); return rv_; } while (0)
/* Prologue of an entry point on a session: P11_ENTER, then the session of
 * handle h in s; leaves with CKR_SESSION_HANDLE_INVALID when there is none. */
#define P11_ENTER_SESSION(ctx, s, h)                       \
    P11_ENTER(ctx);                                        \
    struct p11_session *s = p11_session_get(ctx, h);       \
    if (!s)                                                \
        P11_LEAVE(ctx, CKR_SESSION_HANDLE_INVALID)
/* Prologue of an entry point on a running operation: P11_ENTER, then the
 * active operation of this kind on session h in op, rv declared; leaves with
 * p11_active_op's refusal. P11_ENTER_OP for a single-part call (C_Sign ...),
 * P11_ENTER_PART for a multi-part step (C_SignUpdate, C_SignFinal ...). */
#define P11_ENTER_OP_(ctx, op, rv, h, kind, part)          \
    P11_ENTER(ctx);                                        \
    CK_RV rv;                                              \
    struct p11_op *op = p11_active_op(ctx, h, kind, part, &rv); \
    if (!op)                                               \
        P11_LEAVE(ctx, rv)
#define P11_ENTER_OP(ctx, op, rv, h, kind) P11_ENTER_OP_(ctx, op, rv, h, kind, 0)
#define P11_ENTER_PART(ctx, op, rv, h, kind) P11_ENTER_OP_(ctx, op, rv, h, kind, 1)
/* Ends the operation (p11_op_reset) and leaves with rv (evaluated first). */
#define P11_LEAVE_OP(ctx, op, rv) do { CK_RV rvo_ = (rv); p11_op_reset(op); P11_LEAVE(ctx, rvo_); } while (0)

/* slot_token.c: the chip session for this entry point, from the pool (opened
 * on first need). NULL on failure (logged). Lock held. */
se05x_session *p11_chip(struct p11_ctx *ctx);
/* End of an entry point: hands the session back to the pool (P11_LEAVE). */
void p11_chip_release(struct p11_ctx *ctx);
/* Maps a library error to a CKR; a link error retires the chip session (at
 * p11_chip_release) so the next call reconnects. */
CK_RV p11_rv(struct p11_ctx *ctx, se05x_rc rc);
/* p11_rv for an operation on a key: a key deleted behind our back is
 * forgotten (the next search asks the chip again) and reported as such. */
CK_RV p11_key_rv(struct p11_ctx *ctx, struct p11_entry *e, se05x_rc rc);

/* session.c */
struct p11_session *p11_session_get(struct p11_ctx *ctx, CK_SESSION_HANDLE h);
void p11_op_reset(struct p11_op *op);
void p11_session_free(struct p11_ctx *ctx, struct p11_session *s);
/* The session's operation slot of this kind. */
struct p11_op *p11_session_op(struct p11_session *s, enum p11_op_kind kind);
/* The active operation of this kind on session h; NULL with *rv set to
 * CKR_SESSION_HANDLE_INVALID or CKR_OPERATION_NOT_INITIALIZED. part = 1 for a
 * multi-part step (Update, Final): also NULL, with CKR_OPERATION_ACTIVE, while
 * a single-part call that answered a length query holds the operation (it
 * stays). Lock held. */
struct p11_op *p11_active_op(struct p11_ctx *ctx, CK_SESSION_HANDLE h, enum p11_op_kind kind, int part, CK_RV *rv);
/* Mechanism-specific part of an XxxInit: priv = 1 for the private-key side
 * (sign, decrypt), 0 for the public one (verify, encrypt). */
typedef CK_RV p11_op_init_fn(struct p11_ctx *ctx, struct p11_op *op, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key,
                             int priv);
/* Whole body of C_SignInit/VerifyInit/DecryptInit/EncryptInit: takes the lock,
 * finds the session, runs init; a failed init clears the operation unless
 * the failure is CKR_OPERATION_ACTIVE (the running operation is kept). */
CK_RV p11_op_start(CK_SESSION_HANDLE h, enum p11_op_kind kind, p11_op_init_fn *init, CK_MECHANISM_PTR m,
                   CK_OBJECT_HANDLE key, int priv);

/* objects.c */
/* 0 ok, 1 empty, -1 bad. ctx->legacy_swap: sss:<hex> byte-swapped (pre-4.4 labels). */
int p11_label_to_id(const struct p11_ctx *ctx, const char *label, size_t len, se05x_objid *id);
void p11_id_label(se05x_objid id, char out[13]);
CK_RV p11_entry_find(struct p11_ctx *ctx, se05x_objid id, int load, size_t *idx);
CK_RV p11_entry_add_host(struct p11_ctx *ctx, size_t *idx);
struct p11_entry *p11_entry_from_handle(struct p11_ctx *ctx, CK_OBJECT_HANDLE h, int *sub);
CK_OBJECT_HANDLE p11_handle(size_t idx, int sub);
int p11_entry_is_key(const struct p11_entry *e);
int p11_entry_has_sub(const struct p11_entry *e, int sub);
CK_RV p11_entry_pubkey(struct p11_ctx *ctx, struct p11_entry *e);
CK_RV p11_entry_binary(struct p11_ctx *ctx, struct p11_entry *e);
CK_RV p11_entry_lock(struct p11_ctx *ctx, struct p11_entry *e);
CK_RV p11_entry_pairing(struct p11_ctx *ctx, struct p11_entry *e);
CK_RV p11_enumerate(struct p11_ctx *ctx);
void p11_entry_forget(struct p11_entry *e);
void p11_entries_free(struct p11_ctx *ctx);
/* CKA_TOKEN of a new object: 1 token (persistent), 0 session object (a
 * transient object on the chip, deleted when its session closes). Missing:
 * false (PKCS#11 v2.40 section 4.4). A CKA_TOKEN that is not one CK_BBOOL:
 * CKR_ATTRIBUTE_VALUE_INVALID. */
CK_RV p11_tmpl_token(const CK_ATTRIBUTE *t, CK_ULONG n, int *token);
/* Marks the entry of a just-created transient object as a session object of session h. */
void p11_entry_own(struct p11_entry *e, CK_SESSION_HANDLE h);
/* Deletes the session objects of session h from the chip (C_CloseSession,
 * C_CloseAllSessions, C_Finalize). Lock held. */
void p11_session_objects_drop(struct p11_ctx *ctx, CK_SESSION_HANDLE h);
/* Label id of an object: its own id, or for a paired certificate the key's. */
se05x_objid p11_entry_label_id(const struct p11_entry *e);
/* Checks a handle usable for a private-key operation of this kind. */
CK_RV p11_key_for_op(struct p11_ctx *ctx, CK_OBJECT_HANDLE h, int want_priv, size_t *idx);

/* attributes.c */
CK_RV p11_attr_get(struct p11_ctx *ctx, struct p11_entry *e, int sub, CK_ATTRIBUTE *a);
int p11_attr_match(struct p11_ctx *ctx, struct p11_entry *e, int sub, const CK_ATTRIBUTE *tmpl,
                   CK_ULONG n);
const CK_ATTRIBUTE *p11_tmpl_find(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type);
int p11_tmpl_bool(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type, int dflt);
/* prodlock.c: CKA_DESTROYABLE or CKA_MODIFIABLE false in any of the two
 * templates asks for the production lock (docs/production.md): fills *pol
 * with the locked policy of (kind, part) and returns 1; 0 otherwise. */
int p11_tmpl_locked(const CK_ATTRIBUTE *a, CK_ULONG na, const CK_ATTRIBUTE *b, CK_ULONG nb, se05x_kind kind,
                    se05x_keypart part, struct se05x_policy *pol);
/* The policy of a new key: the chip-PIN policy (pin, in pinbuf, may be NULL)
 * and the production lock (lock, may be NULL) together; with both, the PIN's
 * rules lose WRITE, GEN, DELETE and IMPORT_EXPORT. */
const struct se05x_policy *p11_policy_with_lock(const struct se05x_policy *pin, struct se05x_policy *pinbuf,
                                                const struct se05x_policy *lock);
/* EC curve <-> DER OID (CKA_EC_PARAMS). */
se05x_curve p11_curve_from_params(const uint8_t *der, size_t len);
/* Id for a new object from a template: sss: label, else 4-byte CKA_ID,
 * else hashed label, else random free id. */
CK_RV p11_tmpl_id(struct p11_ctx *ctx, const CK_ATTRIBUTE *t, CK_ULONG n, se05x_objid *id);

/* digest.c */
const EVP_MD *p11_md_from_mech(CK_MECHANISM_TYPE m);
/* MGF1 hash of PSS / OAEP parameters (NULL: not supported). */
const EVP_MD *p11_md_from_mgf(CK_RSA_PKCS_MGF_TYPE g);
se05x_digest p11_sdig_from_md(const EVP_MD *md);

/* mechanisms (slot_token.c) */
int p11_mech_supported(CK_MECHANISM_TYPE m, CK_MECHANISM_INFO *info);

/* pin_chip.c: the PIN held by the chip (docs/pkcs11.md "PIN held by the chip"). */
/* The PIN mode (read once: environment, then the configuration file). */
enum p11_pin_mode p11_pin_mode(struct p11_ctx *ctx);
int p11_pin_chip_on(struct p11_ctx *ctx);
/* Policy for a key created through the token: pol filled and returned in
 * chip mode, NULL in host mode (applet default). */
const struct se05x_policy *p11_pin_chip_policy(struct p11_ctx *ctx, struct se05x_policy *pol);
CK_RV p11_pin_chip_login(struct p11_ctx *ctx, CK_USER_TYPE type, const CK_UTF8CHAR *pin, CK_ULONG len);
/* Closes the applet session and forgets the PIN (logout, last session closed, finalize). */
void p11_pin_chip_logout(struct p11_ctx *ctx);
CK_RV p11_pin_chip_setpin(struct p11_ctx *ctx, const CK_UTF8CHAR *old, CK_ULONG oldlen, const CK_UTF8CHAR *pin,
                          CK_ULONG len);
/* Token flags and PIN lengths from the chip's counter (chip mode only). */
void p11_pin_chip_token_info(struct p11_ctx *ctx, se05x_session *se, CK_TOKEN_INFO *ti);
/* After a key operation failed with rv: 1 when the PIN session was re-opened
 * (the applet session was lost) and the operation should run once more. */
int p11_pin_chip_retry(struct p11_ctx *ctx, CK_RV rv);

/* ECDSA helpers (sign.c) */
CK_RV p11_ecdsa_der_to_raw(const uint8_t *der, size_t dlen, size_t width, uint8_t *out);

#endif
