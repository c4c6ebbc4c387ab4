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

#endif
