/* SPDX-License-Identifier: Apache-2.0 */
/* JRCP v1 server side (docs/protocol/transports.md §1): one connection. */
#ifndef SIM_JRCP_H
#define SIM_JRCP_H

#include <pthread.h>

#include "card.h"

/* Largest payload accepted; a bigger LEN closes the connection. An extended
 * APDU at the applet limit is ~900 bytes, so this is generous. */
#define SIM_JRCP_MAX_PAYLOAD 4096

/* Access-manager style LOCK / UNLOCK shared by all JRCP connections: while a
 * connection holds the lock, APDUs of the others wait. */
struct jrcp_lock {
    pthread_mutex_t m;
    pthread_cond_t cv;
    const void *owner;
};

/* Serves fd until the peer closes, sends CLOSE, or sends a hostile frame. */
void jrcp_serve(struct sim_card *card, int fd, const char *peer, struct jrcp_lock *lk,
                struct sim_conn_stats *st);

/* One message from a buffer (fuzzing, tests), as jrcp_serve handles it:
 * msg = header + payload (n bytes; bytes after the payload are ignored), me
 * names the connection for LOCK/UNLOCK. The reply (header + payload) goes to
 * reply (cap >= JRCP_HDR_LEN + SIM_JRCP_MAX_PAYLOAD), its length to *rlen.
 * Returns 1 = answered, 0 = the client's CLOSE (no reply), -1 = a frame the
 * server closes the connection on (short, or LEN over the limit). */
int jrcp_process(struct sim_card *card, struct jrcp_lock *lk, const void *me, const uint8_t *msg,
                 size_t n, uint8_t *reply, size_t cap, size_t *rlen, struct sim_conn_stats *st);

#endif
