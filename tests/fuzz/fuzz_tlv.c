/* SPDX-License-Identifier: Apache-2.0 */
/* (i) TLV decoding (proto/tlv.c) and the emulator's command TLV table
 * (sim/apdu_parse.c): every reader on arbitrary bytes, then a round trip of
 * what was read through the writer, which must give the same TLVs back. */
#include <stdlib.h>
#include <string.h>

#include "apdu_parse.h"
#include "fuzz_util.h"
#include "tlv.h"

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlv_r r;
    uint8_t tag;
    const uint8_t *v;
    size_t n;

    /* every TLV in order; each value must lie inside the input */
    tlv_r_init(&r, data, size);
    uint8_t *out = malloc(size * 2 + 16);
    struct tlv_w w;
    tlv_w_init(&w, out, size * 2 + 16);
    while (tlv_next(&r, &tag, &v, &n)) {
        if (n && (v < data || v + n > data + size))
            abort();
        for (size_t i = 0; i < n; i++)
            sink ^= v[i];
        tlv_put(&w, tag, v, n);
    }
    size_t left = tlv_r_left(&r);
    if (left > size)
        abort();
    /* round trip: the minimal-length re-encoding reads back to the same TLVs */
    if (tlv_w_ok(&w)) {
        struct tlv_r a, b;
        uint8_t ta, tb;
        const uint8_t *va, *vb;
        size_t na, nb;
        tlv_r_init(&a, data, size);
        tlv_r_init(&b, out, w.len);
        while (tlv_next(&a, &ta, &va, &na)) {
            if (!tlv_next(&b, &tb, &vb, &nb) || ta != tb || na != nb || (na && memcmp(va, vb, na)))
                abort();
        }
        if (tlv_r_left(&b) != 0)
            abort();
    }
    free(out);

    /* the typed getters, tag by tag as the bytes say */
    if (size) {
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        tlv_r_init(&r, data + 1, size - 1);
        for (unsigned i = 0; i < 8; i++) {
            uint8_t want = (uint8_t)(0x41 + ((data[0] >> (i % 8)) & 3));
            switch ((data[0] + i) % 5) {
            case 0: (void)tlv_get_u8(&r, want, &u8); break;
            case 1: (void)tlv_get_u16(&r, want, &u16); break;
            case 2: (void)tlv_get_u32(&r, want, &u32); break;
            case 3: (void)tlv_get_opt(&r, want, &v, &n); break;
            default: (void)tlv_get(&r, want, &v, &n); break;
            }
        }
        for (unsigned t = 0x40; t < 0x48; t++)
            if (tlv_find(data, size, (uint8_t)t, &v, &n) && n && (v < data || v + n > data + size))
                abort();
    }

    /* the emulator's side: C-APDU parsing and its TLV table */
    struct sim_apdu a;
    if (sim_apdu_parse(data, size, &a) == 0x9000 && a.lc) {
        static const uint8_t allowed[] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46};
        struct sim_tlvs *t = malloc(sizeof *t);
        if (t && sim_tlvs_parse(a.data, a.lc, allowed, sizeof allowed, t) == 0x9000) {
            uint8_t u8;
            uint16_t u16;
            uint32_t u32;
            (void)sim_tlv_u8(t, 0x41, &u8);
            (void)sim_tlv_u16(t, 0x42, &u16);
            (void)sim_tlv_u32(t, 0x43, &u32);
        }
        free(t);
    }
    return 0;
}
