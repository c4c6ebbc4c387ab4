/* SPDX-License-Identifier: Apache-2.0 */
/* See fuzz_util.h. */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t fz_u8(struct fz *f)
{
    if (!f->n)
        return 0;
    f->n--;
    return *f->p++;
}

uint16_t fz_u16(struct fz *f)
{
    uint16_t hi = fz_u8(f);
    return (uint16_t)(hi << 8 | fz_u8(f));
}

uint32_t fz_u32(struct fz *f)
{
    uint32_t hi = fz_u16(f);
    return hi << 16 | fz_u16(f);
}

const uint8_t *fz_take(struct fz *f, size_t n)
{
    if (n > f->n)
        return NULL;
    const uint8_t *p = f->p;
    f->p += n;
    f->n -= n;
    return p;
}

const uint8_t *fz_chunk(struct fz *f, size_t *len)
{
    size_t n = fz_u8(f);
    if (n == 0xFF)
        n = fz_u16(f);
    if (n > f->n)
        n = f->n;
    *len = n;
    return fz_take(f, n);
}

#ifdef FUZZ_WITH_SIM
#include "apdu_parse.h"
#include "log.h"
#include "se05x_proto.h"
#include "sim.h"
#include "tlv.h"
#endif
#ifdef FUZZ_WITH_LIB
#include "internal.h"
#endif

void fz_quiet(void)
{
    if (getenv("FUZZ_VERBOSE"))
        return;
    setenv("SE05X_LOG", "none", 0);
#ifdef FUZZ_WITH_SIM
    sim_log_set_level(SIM_LOG_ERROR);
#endif
}

#ifdef FUZZ_WITH_SIM
static struct sim_card *g_template;

struct sim_card *fz_template(void)
{
    if (!g_template) {
        /* P-256 and P-384 instantiated, as with se05x-sim --curves */
        struct sim_card_cfg cfg = {.preset_curves = (1u << 0x03) | (1u << 0x04)};
        char err[256];
        fz_quiet();
        if (sim_card_open(&cfg, &g_template, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz: cannot open the template card: %s\n", err);
            abort();
        }
    }
    return g_template;
}

bool fz_slow_apdu(const uint8_t *apdu, size_t n)
{
    struct sim_apdu a;
    if (sim_apdu_parse(apdu, n, &a) != 0x9000 || !a.lc)
        return false;
    uint8_t ins = a.ins & SE05X_INS_MASK;
    bool rsa_gen = ins == SE05X_INS_WRITE && (a.p1 & 0x1F) == SE05X_P1_RSA;
    bool pbkdf = ins == 0x03 && a.p2 == 0x2E;
    if (!rsa_gen && !pbkdf)
        return false;
    struct tlv_r r;
    uint8_t tag;
    const uint8_t *v;
    size_t l;
    tlv_r_init(&r, a.data, a.lc);
    while (tlv_next(&r, &tag, &v, &l)) {
        if (rsa_gen && tag == 0x42 && l == 2 && be16(v) > 1024)
            return true;
        if (pbkdf && tag == 0x43 && l == 2 && be16(v) > 1000)
            return true;
    }
    return false;
}

struct sim_card *fz_card(void)
{
    struct sim_card *c = NULL;
    char err[256];
    if (sim_card_open_template(fz_template(), &c, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz: cannot copy the template card: %s\n", err);
        abort();
    }
    return c;
}
#endif

#ifdef FUZZ_WITH_LIB
struct card_link {
    struct se05x_link base;
    struct sim_card *card;
};

static se05x_rc cl_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r,
                              size_t rcap, size_t *rlen, struct se05x_error *err)
{
    (void)err;
    *rlen = sim_card_apdu(((struct card_link *)l)->card, c, clen, r, rcap);
    return SE05X_OK;
}

static void cl_close(struct se05x_link *l) { free(l); }

static const struct se05x_link_ops cl_ops = {.name = "card", .transceive = cl_transceive,
                                             .close = cl_close};

struct se05x_link *fz_card_link(struct sim_card *card)
{
    struct card_link *l = calloc(1, sizeof *l);
    if (!l)
        abort();
    l->base.ops = &cl_ops;
    l->card = card;
    size_t n;
    const uint8_t *atr = sim_card_atr(card, &n);
    if (n > sizeof l->base.atr)
        n = sizeof l->base.atr;
    memcpy(l->base.atr, atr, n);
    l->base.atr_len = n;
    return &l->base;
}
#endif
