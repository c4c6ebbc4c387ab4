/* SPDX-License-Identifier: Apache-2.0 */
/* A scripted link for session tests: records every C-APDU and answers from
 * a queue of R-APDUs (or a default "90 00" when the queue is empty and
 * default_ok is set, or default_sw). Detects concurrent entry (the session must serialise). */
#ifndef CORE_MOCK_LINK_H
#define CORE_MOCK_LINK_H

#include <stdatomic.h>

#include "internal.h"

#define MOCK_MAX 64

struct mock_link {
    struct se05x_link base;
    struct {
        uint8_t r[1200];
        size_t rl;
        se05x_rc rc;
    } q[MOCK_MAX];
    size_t nq, qi;
    uint8_t sent[MOCK_MAX][1200];
    size_t sentlen[MOCK_MAX];
    size_t nsent;      /* total exchanges (recording stops at MOCK_MAX) */
    int default_ok;
    uint16_t default_sw; /* when the queue is empty: answer this SW (takes precedence) */
    atomic_int inside; /* >1 means two threads were inside transceive at once */
    atomic_int overlap;
    int begins, ends;
    int *closed;       /* set to 1 on close, if not NULL */
};

struct mock_link *mock_new(void);
/* Queue an answer given in hex ("90 00"). */
void mock_push(struct mock_link *m, const char *hex);
/* Queue a link failure. */
void mock_push_rc(struct mock_link *m, se05x_rc rc);
/* Queue a raw answer of n bytes (may be < 2 to test short responses). */
void mock_push_raw(struct mock_link *m, const uint8_t *r, size_t n);

#endif
