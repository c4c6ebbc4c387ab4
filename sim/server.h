/* SPDX-License-Identifier: Apache-2.0 */
/* Socket front end: listens on TCP and/or a unix socket, one thread per
 * connection, tells the protocol from the first byte (docs/architecture.md):
 * 0x5A = T=1 (sim_t1_serve), 0xA5 = JRCP v2 (refused), else JRCP v1. */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "card.h"
#include "t1_responder.h"

struct sim_server_cfg {
    const char *bind_addr; /* default 127.0.0.1 */
    int port;              /* -1 = no TCP; 0 = ephemeral */
    const char *unix_path; /* NULL = none; the socket is created 0600 */
    bool socket_group;     /* --socket-group: the socket gets socket_gid and mode 0660 */
    gid_t socket_gid;
    const char *port_file; /* written once listening (TCP port) */
    int ready_fd;          /* --daemon: sim_daemon_ready() once listening; -1 none */
    struct sim_t1_cfg t1;
};

/* Runs until a byte arrives on stop_fd (the signal pipe). Returns 0 on a
 * clean stop, -1 if it could not listen (message logged). */
int sim_server_run(struct sim_card *card, const struct sim_server_cfg *cfg, int stop_fd);

#endif
