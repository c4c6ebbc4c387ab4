/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated chip variants and their two applet generations (3.x and 7.x,
 * docs/protocol/apdu.md "Two applet dialects", §1, §7, §22, §23; docs/emulator.md
 * "Variants"). One table; every handler asks it instead of testing letters. */
#ifndef SIM_VARIANT_H
#define SIM_VARIANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "se05x_proto.h"

struct sim_variant {
    char letter;          /* --variant: 'A' 'B' 'C' 'F' 'E', 'S' = SE051 */
    const char *name;     /* "SE050C", "SE050E", "SE051" ... */
    uint8_t gen;          /* applet generation: 3 or 7 */
    uint8_t version[SE05X_SELECT_RSP_LEN]; /* SELECT / GetVersion answer */
    uint16_t payload;     /* APDU payload limit (§22) */
    uint16_t oef;         /* OEF id in the card manager's ConfigID (§1.6) */
    bool rsa;             /* RSA commands exist on this chip */
    bool fips;            /* SE050F: SCP03 mandatory, no ECDH (A14) */
    const uint8_t *atr;   /* 35 bytes */
    const uint8_t *scp03; /* default Platform SCP03 ENC||MAC||DEK, NULL = DEVKIT keys */
};

/* The variant of a --variant letter (case-insensitive; "SE051" is 'S'), or NULL. */
const struct sim_variant *sim_variant_find(const char *name);
const struct sim_variant *sim_variant_of(char letter);

/* 7.x curve-specific EC object type (docs/protocol/apdu.md §7): pair 0x21 + 4k,
 * private +1, public +2, for a 3.x EC type code and a curve id; 0 when the
 * curve has no 7.x code. Other types keep their 3.x codes. */
uint8_t sim_type7_ec(uint8_t type3, uint8_t curve);
/* The object type as the chip of generation gen reports it (ReadType,
 * ReadIDList filter, attributes). */
uint8_t sim_wire_type(uint8_t gen, uint8_t type3, uint8_t curve);

#endif
