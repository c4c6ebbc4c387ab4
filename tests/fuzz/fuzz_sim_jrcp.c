/* SPDX-License-Identifier: Apache-2.0 */
/* (b) The emulator's JRCP v1 framing (sim/jrcp.c, jrcp_process): the input
 * is a stream of JRCP messages from two clients (bit 7 of a leading
 * selector byte picks the client, for LOCK/UNLOCK) served by one card. A
 * message is cut from the stream by its own LEN field, as the server reads
 * it; a frame the server would close on ends the input. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "jrcp.h"
#include "se05x_proto.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {data, size};
    static uint8_t reply[JRCP_HDR_LEN + SIM_JRCP_MAX_PAYLOAD];
    struct jrcp_lock lk = {.owner = NULL};
    struct sim_conn_stats st[2];
    bool open[2] = {true, true};
    memset(st, 0, sizeof st);
    pthread_mutex_init(&lk.m, NULL);
    pthread_cond_init(&lk.cv, NULL);
    struct sim_card *c = fz_card();
    for (int i = 0; i < 64 && f.n; i++) {
        int who = fz_u8(&f) >> 7;
        if (!open[who])
            continue;
        if (lk.owner && lk.owner != &st[who]) {
            /* the other client holds LOCK: this one would wait; serve the holder */
            who ^= 1;
            if (!open[who])
                break;
        }
        size_t len = f.n >= JRCP_HDR_LEN ? ((size_t)f.p[2] << 8 | f.p[3]) : 0;
        size_t take = JRCP_HDR_LEN + len < f.n ? JRCP_HDR_LEN + len : f.n;
        uint8_t *msg = malloc(take ? take : 1);
        if (!msg)
            break;
        memcpy(msg, f.p, take);
        (void)fz_take(&f, take);
        if (take >= JRCP_HDR_LEN + 5 && msg[0] == JRCP_MTY_APDU_DATA &&
            fz_slow_apdu(msg + JRCP_HDR_LEN, take - JRCP_HDR_LEN)) {
            free(msg);
            continue;
        }
        size_t rl = 0;
        int r = jrcp_process(c, &lk, &st[who], msg, take, reply, sizeof reply, &rl, &st[who]);
        free(msg);
        if (r == 1 && (rl < JRCP_HDR_LEN || rl > sizeof reply ||
                       rl != JRCP_HDR_LEN + ((size_t)reply[2] << 8 | reply[3])))
            abort();
        if (r != 1) {
            open[who] = false; /* the server closes it; its LOCK goes with it */
            if (lk.owner == &st[who])
                lk.owner = NULL;
            if (r < 0)
                break;
        }
    }
    sim_card_close(c);
    pthread_mutex_destroy(&lk.m);
    pthread_cond_destroy(&lk.cv);
    return 0;
}
