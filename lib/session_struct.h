/* SPDX-License-Identifier: Apache-2.0 */
/* struct se05x_session, private to the session core: session.c (open,
 * exchange, close) and session_cache.c (what the session remembers about
 * objects and curves). Nothing else reaches into it. */
#ifndef SE05X_SESSION_STRUCT_H
#define SE05X_SESSION_STRUCT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "internal.h"

#define CONN_LABEL_MAX 300
#define RAPDU_BUF (SE05X_RSP_MAX + 2)
#define CAPDU_BUF (SE05X_CMD_MAX + 9)
#define WIRE_CBUF (CAPDU_BUF + SE05X_SCP03_OVERHEAD)
#define WIRE_RBUF (RAPDU_BUF + 32)

struct se05x_session {
    struct se05x_link *link;
    char conn[CONN_LABEL_MAX];
    struct se05x_applet_info applet;
    /* Serialises exchanges; recursive so a transaction can contain commands. */
    pthread_mutex_t lock;
    unsigned txn_depth;
    uint64_t curves[2];         /* bit c: curve id c known present (ids < 128) */
    /* Public keys read from the chip to check its answers (cmd_util.c
     * se05x_check_answer): one slot per object id, round-robin replacement. */
    struct {
        se05x_objid id;
        EVP_PKEY *pk;
    } pubs[SE05X_PUBCACHE_SLOTS];
    unsigned pubs_next;
    /* What objects are (ReadType, GetECCurveId answers), dropped with the
     * public keys above: what an object is cannot change while it exists. */
    struct {
        se05x_objid id;
        uint8_t type;
        bool transient;
        se05x_curve curve; /* SE05X_EC_NONE: not asked yet */
        bool inferred;     /* type not asked: an EC key whose public key named its curve */
    } types[SE05X_PUBCACHE_SLOTS];
    unsigned types_next;
    bool no_check;              /* se05x_set_verify(s, false): answers unchecked */
    struct se05x_stats stats;   /* apdus, tx/rx bytes; link counters copied on read */
    /* Platform SCP03 (docs/scp03.md): NULL on a plain link. */
    struct se05x_scp03 *scp;
    bool scp_dead;              /* closed after a response failed its integrity check */
    uint64_t scp_gen;           /* link->others_gen when the channel was opened */
    bool scp_hint;              /* "the chip may require SCP03" logged once */
    /* Applet session (auth.h): every command goes inside it while as_id != 0. */
    se05x_objid as_id;
    uint8_t as_sid[8];
    struct se05x_scp03 *as_scp; /* AESKey: the applet's SCP03 channel; NULL for UserID */
    bool as_dead;               /* its channel failed an integrity check */
    /* Identity for the per-thread error slots (never reused by a later session,
     * even one at the same address); constant after open. */
    uint64_t uid;
};

#endif
