/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the libFuzzer harnesses (README.md): a byte reader over
 * the fuzzer's input, the emulated card opened once per process and copied
 * per input (sim_card_open_template: no state directory, no fsync), and a
 * host link that hands APDUs straight to such a card. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed from the front. Reads past the end give zeros / NULL. */
struct fz {
    const uint8_t *p;
    size_t n;
};
uint8_t fz_u8(struct fz *f);
uint16_t fz_u16(struct fz *f);
uint32_t fz_u32(struct fz *f);
/* n bytes, or NULL (and nothing consumed) when fewer are left. */
const uint8_t *fz_take(struct fz *f, size_t n);
/* A length-prefixed chunk: one length byte (0xFF: two more bytes, big
 * endian), then that many bytes (fewer when the input ends). */
const uint8_t *fz_chunk(struct fz *f, size_t *len);

/* Quiet logs (lib and emulator) unless SE05X_LOG / FUZZ_VERBOSE say otherwise. */
void fz_quiet(void);

#ifdef FUZZ_WITH_SIM
struct sim_card;
/* A provisioned in-memory card, made on the first call (variant C, curves
 * P-256 and P-384 instantiated). */
struct sim_card *fz_template(void);
/* A fresh copy of the template (aborts on failure); close with sim_card_close. */
struct sim_card *fz_card(void);
/* True for a plain C-APDU that would make the card work for long (RSA key
 * generation above 1024 bits, PBKDF2 above 1000 iterations): the harnesses
 * skip these to keep thousands of executions per second. */
bool fz_slow_apdu(const uint8_t *apdu, size_t n);
#endif

#ifdef FUZZ_WITH_LIB
struct se05x_link;
struct sim_card;
/* A link whose transceive is sim_card_apdu(card) (ATR set; close frees the
 * link, not the card). */
struct se05x_link *fz_card_link(struct sim_card *card);
#endif

#endif
