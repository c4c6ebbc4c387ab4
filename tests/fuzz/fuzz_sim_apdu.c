/* SPDX-License-Identifier: Apache-2.0 */
/* (a) The emulator's APDU entry (sim_card_apdu): a fresh copy of a
 * provisioned card per input, then up to 32 C-APDUs. Input: one flag byte
 * (bit 0: SELECT the applet first; bit 1: a chip reset after each APDU,
 * bit 2: END OF APDU SESSION after each), then length-prefixed C-APDUs
 * (fz_chunk). Every answer must end in a status word and fit its buffer.
 * FUZZ_VERBOSE=1 prints each status word (to check a seed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sim.h"

static const uint8_t SELECT[] = {0x00, 0xA4, 0x04, 0x00, 0x10, 0xA0, 0x00, 0x00, 0x03, 0x96, 0x54,
                                 0x53, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    static uint8_t r[70000];
    struct sim_card *c = fz_card();
    uint8_t flags = fz_u8(&f);
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (flags & 1)
        (void)sim_card_apdu(c, SELECT, sizeof SELECT, r, sizeof r);
    for (int i = 0; i < 32 && f.n; i++) {
        size_t n;
        const uint8_t *apdu = fz_chunk(&f, &n);
        if (!apdu || fz_slow_apdu(apdu, n))
            continue;
        /* an exact-size copy: reads past the APDU are caught */
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy)
            break;
        memcpy(copy, apdu, n);
        size_t rl = sim_card_apdu(c, copy, n, r, sizeof r);
        free(copy);
        if (rl < 2 || rl > sizeof r)
            abort();
        if (verbose)
            fprintf(stderr, "apdu %d: %zu bytes -> SW %02X%02X\n", i, n, r[rl - 2], r[rl - 1]);
        if (flags & 2)
            sim_card_chip_reset(c);
        if (flags & 4)
            sim_card_end_apdu_session(c);
    }
    sim_card_close(c);
    return 0;
}
