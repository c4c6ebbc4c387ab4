/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 over I2C card side (issue 3), served on the same port as JRCP v1: the
 * server hands over a connection whose first byte is 0x5A (a T=1 NAD). */
#ifndef SIM_T1_RESPONDER_H
#define SIM_T1_RESPONDER_H

#include "card.h"

struct sim_t1_cfg {
    const char *timing;   /* --timing: "none" (default) or a latency table spec */
    double fault_rate;    /* --faults: fraction of frames corrupted/truncated/dropped */
    unsigned fault_seed;  /* --fault-seed */
    int shared_bus;       /* --t1-bus shared: one card-side T=1 state for all
                             connections, as processes sharing one I2C bus */
};

/* Serves one connection until the peer closes; fd is not closed here. */
void sim_t1_serve(struct sim_card *card, int fd, const struct sim_t1_cfg *cfg,
                  struct sim_conn_stats *st);

/* One card-side T=1 state without a socket (fuzzing, tests): the host's
 * blocks go in as bytes, the card's answers come out as bytes. Commands run
 * synchronously (no worker thread, no S(WTX)); no timing table, no faults. */
struct sim_t1_conn;
struct sim_t1_conn *sim_t1_conn_new(struct sim_card *card, struct sim_conn_stats *st);
/* Processes one block as read from the wire (NAD PCB LEN INF CRC; bytes
 * after the block are ignored; a malformed or short one is answered as on a
 * socket, with R(EDC)). Writes the blocks the card sends in answer to out
 * (at most cap bytes, the rest is dropped) and returns their total length. */
size_t sim_t1_process_block(struct sim_t1_conn *c, const uint8_t *blk, size_t n, uint8_t *out,
                            size_t cap);
void sim_t1_conn_free(struct sim_t1_conn *c);

#endif
