/* SPDX-License-Identifier: Apache-2.0 */
/* (c) The emulator's T=1 block processing (sim/t1_responder.c,
 * sim_t1_process_block): one card-side T=1 state per input, fed a stream of
 * host blocks. Each block is preceded by a selector byte; bit 0 set = the
 * harness writes the block's CRC (so the fuzzer gets past the CRC check),
 * bit 1 set = NAD forced to the host's 0x5A. A block is cut from the stream
 * by its LEN byte, as the card reads it. Every answer must be well-formed
 * blocks from the card (NAD A5, LEN within bounds, correct CRC). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "t1_frame.h"
#include "sim.h"
#include "t1_responder.h"

static void check_answers(const uint8_t *p, size_t n)
{
    while (n) {
        if (n < T1_HDR_LEN + T1_CRC_LEN || p[0] != T1_NAD_SE || p[2] > T1_MAX_INF)
            abort();
        size_t len = T1_HDR_LEN + (size_t)p[2] + T1_CRC_LEN;
        if (len > n)
            abort();
        struct t1_block b;
        if (t1_decode(p, len, T1_NAD_SE, &b) != T1_PARSE_OK)
            abort();
        p += len;
        n -= len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    static uint8_t out[16 * T1_MAX_BLOCK], cmd[70000];
    size_t cmd_len = 0;
    struct sim_conn_stats st;
    memset(&st, 0, sizeof st);
    struct sim_card *c = fz_card();
    struct sim_t1_conn *t = sim_t1_conn_new(c, &st);
    if (!t)
        abort();
    for (int i = 0; i < 300 && f.n; i++) {
        uint8_t sel = fz_u8(&f);
        uint8_t blk[T1_MAX_BLOCK + 8];
        size_t want = f.n >= T1_HDR_LEN ? T1_HDR_LEN + (size_t)f.p[2] + T1_CRC_LEN : f.n;
        size_t n = want < f.n ? want : f.n;
        if (n > sizeof blk)
            n = sizeof blk;
        memcpy(blk, f.p, n);
        (void)fz_take(&f, n);
        if ((sel & 2) && n)
            blk[0] = T1_NAD_HOST;
        if ((sel & 1) && n >= T1_HDR_LEN && blk[2] <= T1_MAX_INF && n == want) {
            uint16_t crc = t1_crc16(blk, n - T1_CRC_LEN);
            blk[n - 2] = (uint8_t)(crc & 0xFF);
            blk[n - 1] = (uint8_t)(crc >> 8);
        }
        /* follow the chained command as the card will assemble it, to skip
         * the slow ones (fz_slow_apdu) */
        struct t1_block b;
        if (t1_decode(blk, n, T1_NAD_HOST, &b) == T1_PARSE_OK && b.kind == T1_I) {
            if (cmd_len + b.len <= sizeof cmd) {
                memcpy(cmd + cmd_len, b.inf, b.len);
                cmd_len += b.len;
            }
            if (!b.more) {
                bool slow = fz_slow_apdu(cmd, cmd_len);
                cmd_len = 0;
                if (slow)
                    continue;
            }
        }
        uint8_t *copy = malloc(n ? n : 1);
        if (!copy)
            break;
        memcpy(copy, blk, n);
        size_t got = sim_t1_process_block(t, copy, n, out, sizeof out);
        free(copy);
        check_answers(out, got < sizeof out ? got : sizeof out);
    }
    sim_t1_conn_free(t);
    sim_card_close(c);
    return 0;
}
