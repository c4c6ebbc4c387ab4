/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated chip as the link front ends (JRCP v1 in jrcp.c, T=1 in
 * t1_responder.c) see it. Implemented by the applet core (card.c). */
#ifndef SIM_CARD_H
#define SIM_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_card;

/* Processes one C-APDU and writes the R-APDU (data + SW1 SW2) into rapdu.
 * Thread safe: APDUs of all connections are served one at a time. Never
 * fails: malformed input gets the right status word. Returns the length. */
size_t sim_card_apdu(struct sim_card *c, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                     size_t rcap);

/* The 35-byte ATR (WAIT_FOR_CARD, S(GET ATR), S(INTERFACE SOFT RESET)). */
const uint8_t *sim_card_atr(const struct sim_card *c, size_t *len);

/* Power events (docs/protocol/open-questions.md C5). CHIP RESET = power cycle: sessions,
 * transient values and selection dropped. END OF APDU SESSION: applet
 * sessions and SCP state dropped, transient-reset values kept. */
void sim_card_chip_reset(struct sim_card *c);
void sim_card_end_apdu_session(struct sim_card *c);

/* Per-connection traffic counters, reported when a connection closes. */
struct sim_conn_stats {
    uint64_t apdus;
    uint64_t apdu_rx_bytes, apdu_tx_bytes; /* C-APDU / R-APDU bytes */
    uint64_t wire_rx_bytes, wire_tx_bytes; /* framing included */
    uint64_t frames_rx, frames_tx;         /* T=1 blocks */
    uint64_t writes; /* C-APDUs that change objects (sim_apdu_is_write) */
};
/* True for a C-APDU that changes objects on the card: the WRITE family
 * (INS x1), DeleteSecureObject, DeleteAll, SetLockState; seen from outside,
 * so commands inside an applet session (INS 05) are not counted. */
bool sim_apdu_is_write(const uint8_t *capdu, size_t len);
void sim_card_report_conn(struct sim_card *c, const char *peer, const char *proto,
                          const struct sim_conn_stats *st);

#endif
