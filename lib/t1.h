/* SPDX-License-Identifier: Apache-2.0 */
/* Host side of T=1 over I2C (UM11225 flavour): the block protocol state
 * machine of docs/protocol/t1oi2c.md §6-§8 and §12 over a byte mover
 * (bus.h). One struct se05x_t1 per link; no global state. Internal. */
#ifndef SE05X_T1_H
#define SE05X_T1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <se05x/error.h>

#include "bus.h"

/* Bounds of the protocol (docs/protocol/t1oi2c.md §7, §8). */
#define SE05X_T1_MAX_RECOVERIES 10   /* consecutive failed recoveries -> soft reset, give up */
#define SE05X_T1_MAX_RETRANSMIT 3    /* 1 + MAX_RNACK_RETRY_LIMIT (2) sends of one block, then RESYNCH */
#define SE05X_T1_MAX_TIMEOUTS 5      /* consecutive silent waits before the chip is declared dead */
#define SE05X_T1_MAX_WTX 500         /* PH_PROTO_WTX_DEFAULT_COUNT */
#define SE05X_T1_MAX_WTX_MULT 16     /* a WTX multiplier above this is taken as 16 */
#define SE05X_T1_S_ATTEMPTS 5        /* sends of one S-block request */
#define SE05X_T1_RECOVERY_DELAY_US 3000 /* DELAY_ERROR_RECOVERY (Linux: 3 ms) */

/* ATR fields used for timing (docs/protocol/t1oi2c.md §9). */
struct se05x_t1_atr {
    unsigned bwt_ms;   /* block waiting time */
    unsigned ifsc;     /* max INF the chip accepts */
    unsigned mpot_ms;  /* minimum polling time */
    unsigned segt_us;  /* guard time between two transactions */
    unsigned wut_us;
    unsigned max_clk_khz;
    uint8_t plid;
};

/* Parses and sanity-checks an ATR. Returns false (with a reason) for a
 * malformed or hostile one (short, bad lengths, BWT 0 or > 10 s, IFSC
 * outside 16..254, MPOT > 100 ms, SEGT > 100 ms). */
bool se05x_t1_parse_atr(const uint8_t *atr, size_t n, struct se05x_t1_atr *out,
                        const char **why);

struct se05x_t1 {
    struct se05x_bus *bus;
    struct se05x_t1_atr atr;  /* defaults until GET ATR answered */
    uint8_t atr_raw[64];
    size_t atr_len;
    uint8_t ns;      /* N(S) of our next new I-block */
    uint8_t nr;      /* N(S) we expect on the chip's next I-block */
    bool need_resync; /* state unknown (failed exchange, other process): RESYNCH first */
    unsigned recovery_delay_us; /* pause before a recovery step (SE05X_T1_RECOVERY_DELAY_US;
                                   the fuzz harness sets 0) */
    /* counters: blocks and bytes on the wire, both directions */
    uint64_t wire_tx, wire_rx, frames;
    /* recovery statistics (for logs and the benchmark) */
    uint64_t recoveries, wtx_seen, resyncs;
};

/* Initialises the state over bus with pre-ATR defaults (BWT 1000 ms, IFSC 254,
 * MPOT 1 ms). Does not touch the bus. */
void se05x_t1_init(struct se05x_t1 *t, struct se05x_bus *bus);

/* Open sequence (§12, NXP-like): S(RESYNCH), S(GET ATR), ATR parsed and its
 * timings applied. */
se05x_rc se05x_t1_open(struct se05x_t1 *t, struct se05x_error *err);

/* S(RESYNCH): both sequence numbers back to 0. */
se05x_rc se05x_t1_resync(struct se05x_t1 *t, struct se05x_error *err);

/* One S-block request/response exchange (WTX answered while waiting). The
 * response INF is copied into rsp (may be NULL when none is wanted). */
se05x_rc se05x_t1_s_exchange(struct se05x_t1 *t, uint8_t type, const uint8_t *inf, size_t len,
                             uint8_t *rsp, size_t rcap, size_t *rlen, struct se05x_error *err);

/* One APDU: chained to IFSC on the way out, chains collected on the way back,
 * errors recovered within the bounds above. */
se05x_rc se05x_t1_transceive(struct se05x_t1 *t, const uint8_t *capdu, size_t clen,
                             uint8_t *rapdu, size_t rcap, size_t *rlen, struct se05x_error *err);

/* Close sequence: S(END OF APDU SESSION). */
se05x_rc se05x_t1_end_session(struct se05x_t1 *t, struct se05x_error *err);

#endif
