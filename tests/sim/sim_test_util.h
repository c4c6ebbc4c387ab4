/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the emulator unit tests: drive the card core directly with
 * hex-written APDUs. */
#ifndef SIM_TEST_UTIL_H
#define SIM_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "testhex.h"

/* A fresh temporary state directory (caller frees with tu_rmdir). */
char *tu_tmpdir(void);
void tu_rmdir(char *dir);

/* Opens a card (dir may be NULL) with optional cfg overrides; fails the test on error. */
struct sim_card *tu_open(const char *dir, const struct sim_card_cfg *over);
/* Opens and selects the applet. */
struct sim_card *tu_open_selected(const char *dir, const struct sim_card_cfg *over);

/* Sends an APDU given in hex / bytes; returns the SW, data (without SW) in rsp. */
uint16_t tu_apdu(struct sim_card *c, const char *hex, uint8_t *rsp, size_t *rlen);
uint16_t tu_apdu_bin(struct sim_card *c, const uint8_t *capdu, size_t clen, uint8_t *rsp, size_t *rlen);
/* Builds CLA INS P1 P2 + short/extended Lc + data (no Le) and sends it. */
uint16_t tu_cmd(struct sim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                const uint8_t *data, size_t n, uint8_t *rsp, size_t *rlen);

/* Value of TLV `tag` in a response (accepts all length forms). */
bool tu_tlv(const uint8_t *rsp, size_t rlen, uint8_t tag, const uint8_t **v, size_t *n);

/* Creates and fully instantiates a Weierstrass curve by its OpenSSL name. */
void tu_create_curve(struct sim_card *c, uint8_t curve, const char *ossl_name);

#endif
