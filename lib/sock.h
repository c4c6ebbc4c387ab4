/* SPDX-License-Identifier: Apache-2.0 */
/* Stream sockets for the link layer (JRCP v1 over TCP/AF_UNIX, raw T=1 over
 * TCP). Every call is bounded by a timeout (poll), survives EINTR and never
 * raises SIGPIPE. Sockets are non-blocking and close-on-exec; the I/O calls
 * also work on blocking fds (MSG_DONTWAIT). Internal to lib/.
 * timeout_ms < 0 means wait forever. */
#ifndef SE05X_SOCK_H
#define SE05X_SOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <se05x/session.h>

/* Connects to a TCP (JRCP_TCP, T1_TCP) or AF_UNIX (JRCP_UNIX) endpoint.
 * Returns the fd, or -1 with err set, e.g.
 * "cannot connect to 127.0.0.1:8050: Connection refused" (SE05X_E_LINK) or
 * "... timed out after 5000 ms" (SE05X_E_TIMEOUT). TCP gets TCP_NODELAY. */
int se05x_sock_connect(const struct se05x_conn_spec *spec, int timeout_ms, struct se05x_error *err);

/* Writes all n bytes or fails (SE05X_E_LINK / SE05X_E_TIMEOUT). */
se05x_rc se05x_sock_write_all(int fd, const void *buf, size_t n, int timeout_ms,
                              struct se05x_error *err);

/* Reads exactly n bytes. EOF -> SE05X_E_LINK "connection closed by peer";
 * nothing within timeout -> SE05X_E_TIMEOUT. The timeout bounds the whole read. */
se05x_rc se05x_sock_read_exact(int fd, void *buf, size_t n, int timeout_ms,
                               struct se05x_error *err);

/* Reads what is available (1..cap bytes) within timeout_ms into buf, *got =
 * count. Returns SE05X_E_TIMEOUT with *got = 0 when nothing arrived. */
se05x_rc se05x_sock_read_some(int fd, void *buf, size_t cap, size_t *got, int timeout_ms,
                              struct se05x_error *err);

/* Reads into buf, which holds *got bytes already, until it holds at least
 * min bytes, taking up to cap (*got = the count, also on failure): what
 * comes with the first min bytes is kept, so a whole message usually takes
 * one recv. poll_first: wait for data before the first recv
 * (for an answer to a request just sent, which is rarely there yet: poll +
 * recv instead of recv (EAGAIN) + poll + recv); otherwise recv first.
 * Errors as se05x_sock_read_exact (which is this with cap == min and
 * recv first); the timeout bounds the whole read.
 * (A blocking recv with SO_RCVTIMEO would save the poll, but a reader asleep
 * in recv is also woken, for nothing, each time its peer consumes what it
 * sent - AF_UNIX and TCP alike - and a wake-up costs far more than a poll.) */
se05x_rc se05x_sock_read_min(int fd, void *buf, size_t min, size_t cap, size_t *got, int timeout_ms,
                             bool poll_first, struct se05x_error *err);

/* Waits until fd is readable (data or EOF). 1 readable, 0 timeout, -1 error. */
int se05x_sock_wait_readable(int fd, int timeout_ms);

/* "127.0.0.1:8050", "[::1]:8050" or "unix:/path" into buf. */
void se05x_sock_endpoint(const struct se05x_conn_spec *spec, char *buf, size_t cap);

void se05x_sock_close(int fd);

#endif
