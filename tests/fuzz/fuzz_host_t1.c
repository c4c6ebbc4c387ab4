/* SPDX-License-Identifier: Apache-2.0 */
/* (e) The host's T=1 receive path (lib/t1.c) with the fuzzer playing the
 * chip: a byte mover (bus.h) whose reads come from the input, writes are
 * swallowed, and an exhausted input is a silent chip (timeout). First input
 * byte: bit 0 set = the harness writes a correct CRC into every block read
 * (the fuzzer cannot forge CRCs), bit 1 = skip the open sequence. Then:
 * open (RESYNCH, GET ATR), a short APDU, a chained one (longer than IFSC),
 * S(IFS), and END OF APDU SESSION. No recovery delays (recovery_delay_us 0). */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "fuzz_util.h"
#include "internal.h"
#include "t1.h"
#include "t1_frame.h"

struct fz_bus {
    struct se05x_bus base;
    struct fz f;
    bool fix_crc;
    uint8_t hdr[T1_HDR_LEN];
    bool have_hdr;
};

static se05x_rc b_write(struct se05x_bus *b, const uint8_t *d, size_t n, struct se05x_error *err)
{
    (void)b;
    (void)err;
    if (!d || n < T1_HDR_LEN + T1_CRC_LEN || n > T1_MAX_BLOCK)
        abort(); /* the host never sends a malformed block */
    return SE05X_OK;
}

static se05x_rc b_read(struct se05x_bus *bb, uint8_t *buf, size_t n, int wait_ms,
                       struct se05x_error *err)
{
    struct fz_bus *b = (struct fz_bus *)bb;
    (void)wait_ms;
    const uint8_t *p = fz_take(&b->f, n);
    if (!p) {
        b->f.n = 0;
        b->have_hdr = false;
        return se05x_err_set(err, SE05X_E_TIMEOUT, 0, 0, "fuzz chip: silent");
    }
    memcpy(buf, p, n);
    if (n == T1_HDR_LEN) {
        memcpy(b->hdr, buf, T1_HDR_LEN);
        b->have_hdr = true;
    } else if (b->have_hdr && b->fix_crc && n == (size_t)b->hdr[2] + T1_CRC_LEN) {
        uint8_t blk[T1_MAX_BLOCK];
        memcpy(blk, b->hdr, T1_HDR_LEN);
        memcpy(blk + T1_HDR_LEN, buf, n - T1_CRC_LEN);
        uint16_t crc = t1_crc16(blk, T1_HDR_LEN + n - T1_CRC_LEN);
        buf[n - 2] = (uint8_t)(crc & 0xFF);
        buf[n - 1] = (uint8_t)(crc >> 8);
        b->have_hdr = false;
    } else {
        b->have_hdr = false;
    }
    return SE05X_OK;
}

static void b_drain(struct se05x_bus *b) { (void)b; }
static void b_close(struct se05x_bus *b) { (void)b; }

static const struct se05x_bus_ops fz_bus_ops = {
    .name = "fuzz", .write = b_write, .read = b_read, .drain = b_drain, .close = b_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet++)
        fz_quiet();
    struct fz_bus bus;
    memset(&bus, 0, sizeof bus);
    bus.base.ops = &fz_bus_ops;
    strcpy(bus.base.label, "fuzz");
    bus.f.p = data;
    bus.f.n = size;
    uint8_t mode = fz_u8(&bus.f);
    bus.fix_crc = mode & 1;
    struct se05x_t1 t;
    struct se05x_error err;
    se05x_t1_init(&t, &bus.base);
    t.recovery_delay_us = 0;
    if (!(mode & 2))
        (void)se05x_t1_open(&t, &err);
    t.recovery_delay_us = 0;
    static const uint8_t version[] = {0x80, 0x04, 0x00, 0x20, 0x00};
    static uint8_t chained[600];
    static uint8_t r[70000];
    size_t rl;
    chained[0] = 0x80;
    chained[1] = 0x01;
    chained[4] = 0x00;
    chained[5] = 0x02;
    chained[6] = 0x50;
    for (int i = 0; i < 4 && bus.f.n; i++) {
        rl = 0;
        se05x_rc rc = se05x_t1_transceive(&t, i == 1 ? chained : version, i == 1 ? sizeof chained : sizeof version,
                                          r, sizeof r, &rl, &err);
        if (rc == SE05X_OK && rl > sizeof r)
            abort();
        if (rc != SE05X_OK && (!err.msg[0] || !memchr(err.msg, 0, sizeof err.msg)))
            abort();
    }
    uint8_t ifs = 0x80, rsp[64];
    size_t rsl = 0;
    if (bus.f.n)
        (void)se05x_t1_s_exchange(&t, T1_S_IFS, &ifs, 1, rsp, sizeof rsp, &rsl, &err);
    if (rsl > sizeof rsp)
        abort();
    if (bus.f.n)
        (void)se05x_t1_end_session(&t, &err);
    return 0;
}
