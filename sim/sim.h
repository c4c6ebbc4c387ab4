/* SPDX-License-Identifier: Apache-2.0 */
/* Creating and destroying the emulated card (used by main.c and the unit
 * tests). The APDU interface itself is card.h. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card.h"

/* Response TLV length form (docs/protocol/open-questions.md A7). */
enum sim_tlv_form {
    SIM_TLV_DATA = 0, /* 82 HH LL for variable data, minimal for fixed ints (default) */
    SIM_TLV_ALWAYS,   /* 82 HH LL everywhere */
    SIM_TLV_NEVER,    /* minimal everywhere */
};

struct sim_card_cfg {
    const char *state_dir;      /* NULL: no persistence (unit tests only) */
    char variant;               /* 'A', 'B', 'C' (default), 'F' */
    unsigned idlist_page;       /* ids per ReadIDList page; 0 = default (219) */
    size_t persistent_capacity; /* bytes; 0 = default 50000 */
    size_t transient_capacity;  /* bytes; 0 = default 4096 */
    enum sim_tlv_form tlv_form;
    const char *stats_path; /* --stats FILE: one JSON line per closed connection */
    uint32_t preset_curves;  /* --curves: bit c = Weierstrass curve c instantiated at start (A6) */
    const char *scp03_keys;  /* --scp03-keys FILE: Platform SCP03 static keys (default DEVKIT) */
    bool reset_drops_shells; /* --transient-reset drop: a chip reset removes transient objects (A4) */
    bool freshness_any;      /* --freshness-any: attestation freshness 1..16 bytes (A10) */
    const uint8_t *scp03_test_challenge; /* unit tests only: fixed 8-byte card challenge */
};

#define SIM_DEFAULT_PERSISTENT_CAPACITY 50000u
#define SIM_DEFAULT_TRANSIENT_CAPACITY 4096u

/* Opens (or provisions, on first start) the card whose state lives in
 * cfg->state_dir, taking the directory lock. On failure returns -1 and a
 * one-line reason in err. */
int sim_card_open(const struct sim_card_cfg *cfg, struct sim_card **out, char *err, size_t errlen);
void sim_card_close(struct sim_card *c);

/* A new card whose objects, curves and keys are an in-memory copy of tmpl's
 * (same configuration, no state directory: nothing is ever written or
 * fsynced, no lock taken). Sessions, selection and crypto objects start
 * fresh. For fuzzing and tests, where provisioning a card per input is too
 * slow. tmpl must not be in use by another thread. */
int sim_card_open_template(const struct sim_card *tmpl, struct sim_card **out, char *err,
                           size_t errlen);

#endif
