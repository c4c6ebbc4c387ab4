/* SPDX-License-Identifier: Apache-2.0 */
/* The emulator's card side of T=1 (sim/t1_responder.c) driven block by
 * block from the host side: every S-block type of docs/protocol/t1oi2c.md §4, R(err 1) on
 * a bad CRC, R(err 2) on a wrong N(S), S(CHIP RESET) dropping the applet
 * selection, IFS lowering the answer chunk size.
 *   t1_card t1:HOST:PORT      exit 0 = all checks passed */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <se05x/se05x.h>

#include "bus.h"
#include "internal.h"
#include "t1.h"
#include "t1_frame.h"
#include "se05x_proto.h"

static int failures;
#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "t1_card: FAIL line %d: ", __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fprintf(stderr, "\n");                                                             \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* One raw block out, one raw block back (3-byte header then LEN+2). */
static size_t raw(struct se05x_bus *b, const uint8_t *out, size_t n, uint8_t *in)
{
    struct se05x_error e;
    if (b->ops->write(b, out, n, &e) != SE05X_OK)
        return 0;
    if (b->ops->read(b, in, 3, 2000, &e) != SE05X_OK || in[2] > T1_MAX_INF)
        return 0;
    if (b->ops->read(b, in + 3, (size_t)in[2] + 2, 1000, &e) != SE05X_OK)
        return 0;
    return (size_t)in[2] + 5;
}

static uint16_t sw_of(const uint8_t *r, size_t n)
{
    return n >= 2 ? (uint16_t)(r[n - 2] << 8 | r[n - 1]) : 0;
}

int main(int argc, char **argv)
{
    struct se05x_conn_spec spec;
    struct se05x_error e;
    struct se05x_bus *bus = NULL;
    struct se05x_t1 t;
    uint8_t rsp[1100], in[T1_MAX_BLOCK], blk[T1_MAX_BLOCK];
    size_t rl = 0, n;
    struct t1_block b;

    if (argc != 2 || se05x_conn_parse(argv[1], &spec, &e) != SE05X_OK ||
        spec.kind != SE05X_CONN_T1_TCP) {
        fprintf(stderr, "usage: t1_card t1:HOST:PORT\n");
        return 2;
    }
    if (se05x_bus_tcp_open(&spec, 2000, &bus, &e) != SE05X_OK) {
        fprintf(stderr, "t1_card: %s\n", e.msg);
        return 1;
    }
    se05x_t1_init(&t, bus);
    CHECK(se05x_t1_open(&t, &e) == SE05X_OK, "open: %s", e.msg);
    CHECK(t.atr_len == SE05X_ATR_LEN, "ATR length %zu", t.atr_len);

    /* S(GET ATR) and S(INTERFACE SOFT RESET) both carry the ATR */
    CHECK(se05x_t1_s_exchange(&t, T1_S_GET_ATR, NULL, 0, rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              rl == SE05X_ATR_LEN && !memcmp(rsp, t.atr_raw, rl),
          "GET ATR");
    CHECK(se05x_t1_s_exchange(&t, T1_S_SOFT_RESET, NULL, 0, rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              rl == SE05X_ATR_LEN && !memcmp(rsp, t.atr_raw, rl),
          "SOFT RESET");
    t.ns = t.nr = 0;
    /* S(IFS): echoed; S(ABORT); S(END OF APDU SESSION) */
    uint8_t ifs = 100;
    CHECK(se05x_t1_s_exchange(&t, T1_S_IFS, &ifs, 1, rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              rl == 1 && rsp[0] == 100,
          "IFS");
    CHECK(se05x_t1_s_exchange(&t, T1_S_ABORT, NULL, 0, rsp, sizeof(rsp), &rl, &e) == SE05X_OK,
          "ABORT");
    CHECK(se05x_t1_s_exchange(&t, T1_S_END_APDU_SESSION, NULL, 0, NULL, 0, NULL, &e) == SE05X_OK,
          "END OF APDU SESSION");

    /* SELECT; the 7-byte answer + SW; then GetRandom(200): 202 bytes, chained at IFS 100 */
    uint8_t sel[22] = {0x00, 0xA4, 0x04, 0x00, 0x10};
    memcpy(sel + 5, SE05X_AID, SE05X_AID_LEN);
    sel[21] = 0x00;
    CHECK(se05x_t1_transceive(&t, sel, sizeof(sel), rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              sw_of(rsp, rl) == 0x9000,
          "SELECT: %s", e.msg);
    static const uint8_t rnd[] = {0x80, 0x04, 0x00, 0x49, 0x04, 0x41, 0x02, 0x00, 0xC8};
    uint64_t f0 = t.frames;
    CHECK(se05x_t1_transceive(&t, rnd, sizeof(rnd), rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              sw_of(rsp, rl) == 0x9000 && rl >= 202,
          "GetRandom 200: %s", e.msg);
    CHECK(t.frames - f0 >= 6, "answer not chained at IFS 100 (%llu frames)",
          (unsigned long long)(t.frames - f0));
    ifs = 254;
    se05x_t1_s_exchange(&t, T1_S_IFS, &ifs, 1, rsp, sizeof(rsp), &rl, &e);

    /* bad CRC -> R(err 1) with N(R) = the N(S) the card expects */
    n = t1_encode(blk, sizeof(blk), T1_NAD_HOST, t1_pcb_i(t.ns, false), rnd, sizeof(rnd));
    blk[n - 1] ^= 0xFF;
    n = raw(bus, blk, n, in);
    CHECK(n && t1_decode(in, n, T1_NAD_SE, &b) == T1_PARSE_OK && b.kind == T1_R && b.err == 1 &&
              b.nr == t.ns,
          "bad CRC not answered with R(err 1, N(R)=%u)", t.ns);
    /* wrong N(S) -> R(err 2) */
    n = t1_encode(blk, sizeof(blk), T1_NAD_HOST, t1_pcb_i(t.ns ^ 1, false), rnd, sizeof(rnd));
    n = raw(bus, blk, n, in);
    CHECK(n && t1_decode(in, n, T1_NAD_SE, &b) == T1_PARSE_OK && b.kind == T1_R && b.err == 2 &&
              b.nr == t.ns,
          "wrong N(S) not answered with R(err 2)");
    /* LEN 255 -> R(err 1) (after the card drained the rest) */
    static const uint8_t badlen[] = {0x5A, 0x00, 0xFF, 0x01, 0x02};
    n = raw(bus, badlen, sizeof(badlen), in);
    CHECK(n && t1_decode(in, n, T1_NAD_SE, &b) == T1_PARSE_OK && b.kind == T1_R && b.err == 1,
          "LEN 255 not answered with R(err 1)");
    /* undefined S-block type -> R(err 2) */
    n = t1_encode(blk, sizeof(blk), T1_NAD_HOST, t1_pcb_s(0x04, false), NULL, 0);
    n = raw(bus, blk, n, in);
    CHECK(n && t1_decode(in, n, T1_NAD_SE, &b) == T1_PARSE_OK && b.kind == T1_R && b.err == 2,
          "unknown S-block not answered with R(err 2)");
    /* the protocol still works after all that */
    CHECK(se05x_t1_transceive(&t, rnd, sizeof(rnd), rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              sw_of(rsp, rl) == 0x9000,
          "exchange after errors: %s", e.msg);

    /* S(CHIP RESET): sequence numbers reset, applet deselected */
    CHECK(se05x_t1_s_exchange(&t, T1_S_CHIP_RESET, NULL, 0, NULL, 0, NULL, &e) == SE05X_OK,
          "CHIP RESET");
    t.ns = t.nr = 0;
    CHECK(se05x_t1_transceive(&t, rnd, sizeof(rnd), rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              sw_of(rsp, rl) != 0x9000,
          "applet still selected after CHIP RESET (SW %04X)", sw_of(rsp, rl));
    CHECK(se05x_t1_transceive(&t, sel, sizeof(sel), rsp, sizeof(rsp), &rl, &e) == SE05X_OK &&
              sw_of(rsp, rl) == 0x9000,
          "SELECT after CHIP RESET");
    CHECK(se05x_t1_end_session(&t, &e) == SE05X_OK, "close");
    bus->ops->close(bus);
    if (failures)
        return 1;
    printf("t1_card: all S-block types, R(err 1/2), chaining at IFS, CHIP RESET: ok\n");
    return 0;
}
