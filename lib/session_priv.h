/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the session core (session.c, session_err.c, auth_policy.c, error.c, log.c, redact.c):
 * helpers that the command files do not need. Tests include it too. */
#ifndef SE05X_SESSION_PRIV_H
#define SE05X_SESSION_PRIV_H

#include "internal.h"

/* va_list form of se05x_err_set. */
se05x_rc se05x_err_vset(struct se05x_error *e, se05x_rc rc, uint16_t sw, se05x_objid id,
                        const char *fmt, va_list ap);

/* Per-thread failure detail (session_err.c): the session's identity for the
 * slots (random at open, constant after), a fresh one, and forgetting the
 * calling thread's slot at close. */
uint64_t se05x_session_uid(const se05x_session *s);
uint64_t se05x_session_new_uid(const se05x_session *s);
void se05x_err_forget(const se05x_session *s);

/* The link protection a session opens with (auth_policy.c): mode, key file
 * and key version from the options, the environment, then the configuration
 * file; loads the keys into *k (k->klen 0: plain link). */
struct se05x_open_opts;
struct se05x_scp03_keys;
/* The same on a configuration reading shared with the caller (se05x_open
 * reads the file once for the connection and the link policy). */
se05x_rc se05x_auth_policy_conf(const struct se05x_open_opts *o, struct se05x_scp03_keys *k,
                                 struct se05x_conf *conf, struct se05x_error *err);
se05x_rc se05x_auth_policy(const struct se05x_open_opts *o, struct se05x_scp03_keys *k,
                           struct se05x_error *err);

/* Short reason text for a status word ("denied by object policy"). Never NULL. */
const char *se05x_sw_text(uint16_t sw);

/* Redaction of key material in APDU traces. A span [off, off+len) of an
 * APDU whose bytes must not be logged. */
struct se05x_span {
    size_t off, len;
};
#define SE05X_MAX_SPANS 16
/* Spans of secret values in a C-APDU (private key components, UserID
 * values), also inside a ProcessSessionCmd wrapper. Returns the count. */
size_t se05x_redact_capdu(const uint8_t *c, size_t clen, struct se05x_span *sp, size_t max);
/* Spans of secret values in the R-APDU answering `c` (RSADecrypt plaintext,
 * ECDH shared secret, random bytes, derived keys, cipher output). */
size_t se05x_redact_rapdu(const uint8_t *c, size_t clen, const uint8_t *r, size_t rlen,
                          struct se05x_span *sp, size_t max);
/* Hex dump into out: "label (n): 80 01 ... 43 <redacted 32 bytes> ...".
 * Always NUL-terminates; truncates with "..." when out is too small. */
void se05x_hex_redacted(char *out, size_t cap, const char *label, const uint8_t *d, size_t n,
                        const struct se05x_span *sp, size_t nsp);
/* Logs one exchange at TRACE level with redaction (no-op below TRACE). */
void se05x_trace_apdu(const char *conn, const uint8_t *c, size_t clen, const uint8_t *r,
                      size_t rlen);

/* Per-session cache of chip public keys, used to check the chip's answers
 * (cmd_util.c se05x_check_answer, docs/verify-after-sign.md). Keys are
 * EVP_PKEYs; get returns a new reference (EVP_PKEY_free it) or NULL. put
 * takes its own reference. Writes and deletions through this session drop
 * the entry of their object (session.c do_cmd); raw APDUs drop them all. */
#define SE05X_PUBCACHE_SLOTS 16
struct evp_pkey_st;
struct evp_pkey_st *se05x_pubcache_get(se05x_session *s, se05x_objid id);
void se05x_pubcache_put(se05x_session *s, se05x_objid id, struct evp_pkey_st *pk);
/* id 0: every entry (of the type cache below too). */
void se05x_pubcache_drop(se05x_session *s, se05x_objid id);
/* Per-session cache of what objects are (ReadType answer, EC curve id), so
 * that a key looked at once (se05x_object_info, a front end's key load) is not
 * asked about again by the next command of the same session (cold start,
 * docs/lib.md). Same invalidation as the public-key cache. get: true when
 * known (*curve SE05X_EC_NONE when the curve was not asked yet). */
bool se05x_typecache_get(se05x_session *s, se05x_objid id, uint8_t *type, bool *transient, se05x_curve *curve);
void se05x_typecache_put(se05x_session *s, se05x_objid id, uint8_t type, bool transient);
void se05x_typecache_put_curve(se05x_session *s, se05x_objid id, se05x_curve c);
/* Cold start without ReadType (lib/keyinfer.c): an object whose public key
 * read is a point on exactly one of the chip's curves. put_inferred records
 * the curve (an entry made by ReadType keeps its type); such an entry answers
 * the curve (typecache_get with type and transient NULL) but not the type.
 * inferred: true when the entry has the curve only, *c set. */
void se05x_typecache_put_inferred(se05x_session *s, se05x_objid id, se05x_curve c);
bool se05x_typecache_inferred(se05x_session *s, se05x_objid id, se05x_curve *c);
/* se05x_set_verify state: true when answers are to be checked. */
bool se05x_checks_on(const se05x_session *s);

#endif
