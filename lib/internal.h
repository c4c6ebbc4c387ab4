/* SPDX-License-Identifier: Apache-2.0 */
/* What the command files of lib/ need from the session core. Internal. */
#ifndef SE05X_INTERNAL_H
#define SE05X_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <se05x/se05x.h>
#include <se05x/ossl.h>

#include "link.h"

/* A C-APDU before encoding. `extended` = the host library's "extended"
 * flag of docs/protocol/apdu.md §3.3 (Lc always 00 HH LL and Le 00 00). */
struct se05x_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t len;
    bool extended;
};

/* Encodes exactly per docs/protocol/apdu.md §3.3: no data -> hdr 00 (extended: hdr 00 00 00);
 * 1..254 bytes -> hdr Lc data (no Le); >= 255 -> hdr 00 HH LL data (no Le);
 * extended -> hdr 00 HH LL data 00 00. Returns the length, 0 if cap is too small
 * or len > 65535. */
size_t se05x_apdu_encode(const struct se05x_apdu *a, uint8_t *buf, size_t cap);

/* Biggest R-APDU data we accept (the applet's limit plus margin). */
#define SE05X_RSP_MAX 1100
#define SE05X_CMD_MAX 1100

/* One command: encode, exchange under the session lock, check SW. On a SW
 * other than 9000 or a link failure it records the error as
 * "<what> of object 0x%08X on <conn>: <reason> (SW xxxx)" (id 0: no object)
 * and returns the mapped code. rdata receives the response data without SW
 * (may be NULL when none is expected). */
se05x_rc se05x_cmd(se05x_session *s, const char *what, se05x_objid id, const struct se05x_apdu *a,
                   uint8_t *rdata, size_t rcap, size_t *rlen);
/* Same but returns the SW instead of treating non-9000 as an error (link
 * errors still fail). For commands whose error SW needs interpretation. */
se05x_rc se05x_cmd_sw(se05x_session *s, const char *what, se05x_objid id,
                      const struct se05x_apdu *a, uint8_t *rdata, size_t rcap, size_t *rlen,
                      uint16_t *sw);

/* Records an error in the session (message formatted, one line) and returns rc. */
se05x_rc se05x_fail(se05x_session *s, se05x_rc rc, uint16_t sw, se05x_objid id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Same, into a free-standing error struct (may be NULL). */
se05x_rc se05x_err_set(struct se05x_error *e, se05x_rc rc, uint16_t sw, se05x_objid id,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Hold the session (recursive) for a multi-APDU transaction. */
se05x_rc se05x_txn_begin(se05x_session *s);
void se05x_txn_end(se05x_session *s);

/* Per-session curve cache: bit c set = curve id c known to exist on the chip. */
bool se05x_curve_cached(se05x_session *s, se05x_curve c);
void se05x_curve_cache_set(se05x_session *s, se05x_curve c, bool present);

/* Configuration file ($SE05X_CONF, else /etc/se05x/se05x.conf): the first
 * "key = value" line; 0 when found. */
const char *se05x_conf_path(void);
int se05x_conf_get(const char *key, char *val, size_t cap, struct se05x_error *err);
/* One reading of the configuration file, made on first need and reused:
 * se05x_open reads and checks the file at most once (conn.c). Start with
 * se05x_conf_init; not shared between threads. */
#define SE05X_CONF_NKEYS 6
#define SE05X_CONF_VALMAX 511
struct se05x_conf {
    int state; /* 0 not read yet, 1 read, -1 failed (err holds why) */
    struct se05x_error err;
    char vals[SE05X_CONF_NKEYS][SE05X_CONF_VALMAX + 1];
};
void se05x_conf_init(struct se05x_conf *c);
/* se05x_conf_get on a reading (loaded now if not yet). */
int se05x_conf_lookup(struct se05x_conf *c, const char *key, char *val, size_t cap, struct se05x_error *err);
/* se05x_conn_resolve_ex on a reading. */
se05x_rc se05x_conn_resolve_conf(const char *explicit_conn, char *buf, size_t len, struct se05x_conf *c,
                                 enum se05x_conn_origin *origin, struct se05x_error *err);

/* Platform SCP03 on an open session (session.c): loads nothing, takes the
 * keys (copied; the caller clears its copy) and runs the handshake right
 * away (the applet must be selected). Used by se05x_open and tests. */
struct se05x_scp03_keys;
se05x_rc se05x_session_scp03_start(se05x_session *s, const struct se05x_scp03_keys *k,
                                   struct se05x_error *err);

/* Key rotation (scp03_rotate.c): a copy of the session's Platform SCP03
 * static keys (false on a plain link), and their replacement after a
 * successful PUT KEY (later re-authentications use the new keys). */
bool se05x_session_scp03_keys(se05x_session *s, struct se05x_scp03_keys *out);
void se05x_session_scp03_set_keys(se05x_session *s, const struct se05x_scp03_keys *k);

/* Applet session state (auth_session.c): id 0 = none; inner = the AESKey
 * channel (ownership taken; NULL for UserID), sid the chip's session id. */
struct se05x_scp03;
void se05x_session_applet_set(se05x_session *s, se05x_objid id, const uint8_t sid[8],
                              struct se05x_scp03 *inner);
bool se05x_session_applet_dead(const se05x_session *s);

/* Unit tests: a session over a caller-supplied link (no SELECT unless asked). */
se05x_rc se05x_session_from_link(struct se05x_link *l, const char *conn_label, bool do_select,
                                 se05x_session **out, struct se05x_error *err);

#endif
