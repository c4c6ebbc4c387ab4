/* SPDX-License-Identifier: Apache-2.0 */
/* Link layer interface: moves whole APDUs between the session and a chip.
 * Implementations: JRCP v1 (link_jrcp.c, over TCP or AF_UNIX) and T=1
 * (link_t1.c, over a byte mover: i2c-dev or raw TCP). A link knows nothing
 * about the applet. Internal to lib/. */
#ifndef SE05X_LINK_H
#define SE05X_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <se05x/session.h>

struct se05x_link;

struct se05x_link_ops {
    const char *name;
    /* Exchange one C-APDU for one R-APDU (data + SW). */
    se05x_rc (*transceive)(struct se05x_link *l, const uint8_t *capdu, size_t clen,
                           uint8_t *rapdu, size_t rcap, size_t *rlen, struct se05x_error *err);
    /* Optional (NULL = none): called before/after a multi-APDU transaction so a
     * link shared across processes can hold its bus lock for the whole of it. */
    se05x_rc (*begin)(struct se05x_link *l, struct se05x_error *err);
    void (*end)(struct se05x_link *l);
    void (*close)(struct se05x_link *l); /* also frees l */
    /* Optional (NULL = none): a one-line description of the server at the
     * other end (JRCP TERMINAL_INFO, answered by se05xd); 0 when it says
     * nothing. Never breaks the link: a server without it answers empty. */
    size_t (*server_info)(struct se05x_link *l, char *buf, size_t cap);
};

struct se05x_link {
    const struct se05x_link_ops *ops;
    uint8_t atr[64];
    size_t atr_len;
    /* Links shared across processes (T=1 with its bus lock) set tracks_others
     * and bump others_gen each time they find that another client used the
     * chip since they last held it: the chip's session state (SELECT, an
     * SCP03 channel) may be gone. Others leave both 0. */
    bool tracks_others;
    uint64_t others_gen;
    /* counters, maintained by the implementation */
    uint64_t wire_tx, wire_rx, frames;
};

/* Factories. Each opens the link (WAIT_FOR_CARD / T=1 open + ATR) and fills atr. */
se05x_rc se05x_link_jrcp_open(const struct se05x_conn_spec *spec, int timeout_ms,
                              struct se05x_link **out, struct se05x_error *err);
/* JRCP v1 over a stream socket the caller connected (tests, fuzzing, a
 * caller with its own transport): takes fd over (closed by close(), or here
 * on failure), then opens as above. label names the peer in messages. */
se05x_rc se05x_link_jrcp_open_fd(int fd, const char *label, int timeout_ms,
                                 struct se05x_link **out, struct se05x_error *err);
se05x_rc se05x_link_t1_open(const struct se05x_conn_spec *spec, int timeout_ms,
                            struct se05x_link **out, struct se05x_error *err);
/* Dispatches on spec->kind. */
se05x_rc se05x_link_open(const struct se05x_conn_spec *spec, int timeout_ms,
                         struct se05x_link **out, struct se05x_error *err);

#endif
