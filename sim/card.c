/* SPDX-License-Identifier: Apache-2.0 */
/* The applet core: card lifecycle, APDU processing (parsing, SELECT, the
 * secure-channel layer, lock state) and the helpers the handlers share.
 * Routes: dispatch.c. See card.h / sim.h. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card_internal.h"

#include "log.h"
#include "policy.h"
#include "statedir.h"

/* Response buffer: the applet's payload limit plus room for TLV headers. */
#define RSP_MAX (SE05X_MAX_APDU_PAYLOAD_7X + 64)

static int load_rotated_keys(struct sim_card *c, char *err, size_t errlen);

int sim_card_open(const struct sim_card_cfg *cfg, struct sim_card **out, char *err, size_t errlen)
{
    struct sim_card *c = calloc(1, sizeof *c);
    bool fresh = false;
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->cfg = *cfg;
    char v = cfg->variant ? cfg->variant : 'C';
    c->var = sim_variant_of(v);
    if (!c->var) {
        snprintf(err, errlen, "unsupported variant '%c' (A, B, C, F, E or SE051)", v);
        free(c);
        return -1;
    }
    memcpy(c->version, c->var->version, sizeof c->version);
    c->cfg.variant = v;
    unsigned page = (c->var->payload - 16u) / 4u; /* A5 */
    if (!c->cfg.idlist_page || c->cfg.idlist_page > page)
        c->cfg.idlist_page = page;
    if (!c->cfg.persistent_capacity)
        c->cfg.persistent_capacity = SIM_DEFAULT_PERSISTENT_CAPACITY;
    if (!c->cfg.transient_capacity)
        c->cfg.transient_capacity = SIM_DEFAULT_TRANSIENT_CAPACITY;
    scp03_init(&c->scp);
    if (c->var->scp03) { /* the variant's default key set (docs/protocol/scp03.md §7) */
        uint8_t rec[SCP03_KEYREC_LEN] = {0x0B};
        memcpy(rec + 1, c->var->scp03, 48);
        scp03_set_keys(&c->scp, rec);
    }
    /* applet >= 4.3 (7.x): the Platform SCP03 counter moves with every command
     * (docs/protocol/scp03.md §5) */
    c->scp.count_all = c->var->gen >= 7;
    if (cfg->scp03_keys && scp03_load_keys(&c->scp, cfg->scp03_keys, err, errlen) != 0) {
        free(c);
        return -1;
    }
    c->cfg.scp03_keys = NULL;
    c->state_dir = cfg->state_dir ? strdup(cfg->state_dir) : NULL;
    c->stats_path = cfg->stats_path ? strdup(cfg->stats_path) : NULL;
    c->cfg.state_dir = c->state_dir;
    c->cfg.stats_path = c->stats_path;
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
    if (store_open(&c->store, c->state_dir, c->cfg.persistent_capacity, c->cfg.transient_capacity,
                   &fresh, err, errlen) != 0) {
        sim_card_close(c);
        return -1;
    }
    if (fresh)
        c->store.gen = c->var->gen;
    else if (c->store.gen != c->var->gen) { /* never reuse a chip across generations */
        snprintf(err, errlen,
                 "state directory %s holds an applet %u.x chip; the %s (--variant) is an applet %u.x "
                 "chip: refusing to reuse it across generations (use another --state directory)",
                 c->state_dir, c->store.gen, c->var->name, c->var->gen);
        sim_card_close(c);
        return -1;
    }
    if (fresh && sim_provision(c, err, errlen) != 0) {
        sim_card_close(c);
        return -1;
    }
    if (load_rotated_keys(c, err, errlen) != 0) {
        sim_card_close(c);
        return -1;
    }
    for (uint8_t curve = 1; curve <= SIM_CURVE_MAX; curve++) { /* --curves (A6) */
        if (!(c->cfg.preset_curves & (1u << curve)) || card_curve_ready(c, curve))
            continue;
        if (store_set_curve(&c->store, curve, true, SIM_CURVE_ALL_PARAMS) != SE05X_SW_OK) {
            snprintf(err, errlen, "cannot store the preset curves in %s", c->state_dir);
            sim_card_close(c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

/* The static keys written by a PUT KEY (file "scp03-keys" of the state dir:
 * KVN, ENC, MAC, DEK; docs/scp03.md "Key rotation") take precedence over
 * --scp03-keys and the DEVKIT keys. */
static int load_rotated_keys(struct sim_card *c, char *err, size_t errlen)
{
    uint8_t rec[SCP03_KEYREC_LEN + 1];
    if (c->store.dir_fd < 0)
        return 0;
    int fd = statedir_open_file(c->store.dir_fd, c->state_dir, SCP03_KEYS_FILE, O_RDONLY, err, errlen);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    ssize_t n = read(fd, rec, sizeof rec);
    close(fd);
    if (n != SCP03_KEYREC_LEN) {
        OPENSSL_cleanse(rec, sizeof rec);
        snprintf(err, errlen, "%s/%s: not a 49-byte SCP03 key record", c->state_dir, SCP03_KEYS_FILE);
        return -1;
    }
    scp03_set_keys(&c->scp, rec);
    OPENSSL_cleanse(rec, sizeof rec);
    return 0;
}

int sim_card_open_template(const struct sim_card *tmpl, struct sim_card **out, char *err,
                           size_t errlen)
{
    struct sim_card *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->cfg = tmpl->cfg;
    c->var = tmpl->var;
    c->cfg.state_dir = NULL;
    c->cfg.stats_path = NULL;
    memcpy(c->version, tmpl->version, sizeof c->version);
    c->scp = tmpl->scp;
    scp03_reset(&c->scp); /* static keys kept, no session */
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
    const struct sim_store *ts = &tmpl->store;
    struct sim_store *s = &c->store;
    s->lock_fd = -1;
    s->dir_fd = -1; /* in memory only: no state directory */
    s->pcap = ts->pcap;
    s->tcap = ts->tcap;
    s->created = ts->created;
    s->locked = ts->locked;
    s->gen = ts->gen;
    memcpy(s->curve_created, ts->curve_created, sizeof s->curve_created);
    memcpy(s->curve_params, ts->curve_params, sizeof s->curve_params);
    memcpy(s->chip_secret, ts->chip_secret, sizeof s->chip_secret);
    s->cap = ts->n ? ts->n : 1;
    s->objs = calloc(s->cap, sizeof *s->objs);
    if (!s->objs)
        goto oom;
    for (size_t i = 0; i < ts->n; i++) {
        if (!(s->objs[i] = sim_obj_clone(ts->objs[i])))
            goto oom;
        s->n++;
    }
    *out = c;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    sim_card_close(c);
    return -1;
}

void sim_card_close(struct sim_card *c)
{
    if (!c)
        return;
    card_drop_crypto_objects(c);
    store_close(&c->store);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->stats_lock);
    free(c->state_dir);
    free(c->stats_path);
    free(c);
}

const uint8_t *sim_card_atr(const struct sim_card *c, size_t *len)
{
    *len = SE05X_ATR_LEN;
    return c->var->atr;
}

/* Power cycle (C5): selection dropped, transient values cleared (the shells
 * stay, A4). */
void sim_card_chip_reset(struct sim_card *c)
{
    pthread_mutex_lock(&c->lock);
    c->selected = false;
    c->lock_transient = false;
    card_drop_sessions(c);
    card_drop_crypto_objects(c);
    scp03_reset(&c->scp);
    if (c->cfg.reset_drops_shells)
        store_drop_transient(&c->store);
    for (size_t i = 0; i < c->store.n; i++) {
        struct sim_obj *o = c->store.objs[i];
        if (!o->transient)
            continue;
        for (int k = 0; k < SIM_PARTS; k++)
            sim_obj_set_part(o, k, NULL, 0);
        o->cleared = true;
    }
    pthread_mutex_unlock(&c->lock);
}

/* C5: applet sessions dropped (no SCP state is emulated), transient values kept. */
void sim_card_end_apdu_session(struct sim_card *c)
{
    pthread_mutex_lock(&c->lock);
    card_drop_sessions(c);
    scp03_reset(&c->scp);
    pthread_mutex_unlock(&c->lock);
}

void rsp_data(const struct sim_card *c, struct tlv_w *w, uint8_t tag, const void *p, size_t n)
{
    if (c->cfg.tlv_form == SIM_TLV_NEVER)
        tlv_put(w, tag, p, n);
    else
        tlv_put82(w, tag, p, n);
}

void rsp_u8(const struct sim_card *c, struct tlv_w *w, uint8_t tag, uint8_t v)
{
    if (c->cfg.tlv_form == SIM_TLV_ALWAYS)
        tlv_put82(w, tag, &v, 1);
    else
        tlv_put(w, tag, &v, 1);
}

void rsp_u16(const struct sim_card *c, struct tlv_w *w, uint8_t tag, uint16_t v)
{
    uint8_t b[2];
    put_be16(b, v);
    if (c->cfg.tlv_form == SIM_TLV_ALWAYS)
        tlv_put82(w, tag, b, 2);
    else
        tlv_put(w, tag, b, 2);
}

uint16_t card_use_obj(struct sim_card *c, uint32_t id, uint32_t rule, struct sim_obj **out)
{
    struct sim_obj *o = store_find(&c->store, id);
    *out = NULL;
    if (!o)
        return SE05X_SW_WRONG_DATA;
    if (o->cleared || o->incomplete)
        return SE05X_SW_CONDITIONS;
    if (rule && !card_allows(c, o, rule))
        return SE05X_SW_NOT_ALLOWED;
    *out = o;
    return SE05X_SW_OK;
}

/* REQUIRE_PCR_VALUE: the PCR object exists and holds the expected value. */
static bool pcr_matches(void *ctx, uint32_t pcr, const uint8_t expected[32])
{
    const struct sim_obj *o = store_find(ctx, pcr);
    return o && o->type == SE05X_TYPE_PCR && o->part_len[SIM_P_VALUE] == 32 &&
           CRYPTO_memcmp(o->part[SIM_P_VALUE], expected, 32) == 0;
}

bool card_allows(const struct sim_card *c, const struct sim_obj *o, uint32_t rule)
{
    if (c->cur_auth == SE05X_OBJ_TRANSPORT)
        return true; /* §15: a TRANSPORT session always has full access */
    return sim_policy_allows_pcr(o->policy, o->policy_len, c->cur_auth, rule, pcr_matches,
                                 (void *)&c->store);
}

uint16_t card_check_rewrite(const struct sim_card *c, const struct sim_obj *o, uint32_t rule)
{
    if (o->origin == SE05X_ORIGIN_PROVISIONED)
        return SE05X_SW_CONDITIONS;
    if (!o->incomplete && !card_allows(c, o, rule))
        return SE05X_SW_NOT_ALLOWED;
    return SE05X_SW_OK;
}

uint16_t card_set_policy(struct sim_obj *o, const struct sim_tlvs *t)
{
    if (!t->has[SE05X_TAG_POLICY])
        return SE05X_SW_OK;
    size_t n = t->n[SE05X_TAG_POLICY];
    if (!sim_policy_valid(t->v[SE05X_TAG_POLICY], n))
        return SE05X_SW_DATA_INVALID;
    memcpy(o->policy, t->v[SE05X_TAG_POLICY], n);
    o->policy_len = (uint16_t)n;
    return SE05X_SW_OK;
}

bool card_curve_ready(const struct sim_card *c, uint8_t curve)
{
    if (curve == 0 || curve > SIM_CURVE_MAX)
        return true; /* Edwards / Montgomery curves are always present (A6) */
    return c->store.curve_created[curve] && c->store.curve_params[curve] == SIM_CURVE_ALL_PARAMS;
}

/* Card-manager GET DATA 80 CA 00 FE (DF 28) while the applet is not
 * selected (§1.6): identification TLVs; only ConfigID (with the variant's
 * OEF id) is meaningful, the other values are fixed placeholders. */
static uint16_t card_manager_get_data(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    static const uint8_t build[24] = "J3R351021EEE0400SE05XSIM";
    uint8_t cfg[12] = {0x00, 0x01, 0xA2, 0x00, 0xE9, 0x9B, 0x58, 0x64, 0xDD, 0x3C, 0xF0, 0xFC};
    uint8_t zero[8] = {0}, inner[80], one = 0x00;
    struct tlv_w in;
    if (a->p1 != 0x00 || a->p2 != 0xFE)
        return SE05X_SW_WRONG_P1P2;
    if (a->lc != 2 || a->data[0] != 0xDF || a->data[1] != 0x28)
        return SE05X_SW_WRONG_DATA;
    put_be16(cfg + 2, c->var->oef);
    tlv_w_init(&in, inner, sizeof inner);
    tlv_put(&in, 0x01, cfg, sizeof cfg);
    tlv_put(&in, 0x02, zero, 8);
    tlv_put(&in, 0x03, build, sizeof build);
    tlv_put(&in, 0x05, &one, 1);
    tlv_put(&in, 0x07, &one, 1);
    tlv_put(&in, 0x08, zero, 8);
    uint8_t hdr[3] = {0xFE, (uint8_t)(in.len + 3), 0xDF};
    tlv_put_raw(w, hdr, 3);
    uint8_t l2[2] = {0x28, (uint8_t)in.len};
    tlv_put_raw(w, l2, 2);
    tlv_put_raw(w, inner, in.len);
    return SE05X_SW_OK;
}

/* ISO SELECT (CLA 00 INS A4). */
static uint16_t do_select(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    if (a->p1 != 0x04 || a->p2 != 0x00)
        return SE05X_SW_WRONG_P1P2;
    scp03_reset(&c->scp); /* a SELECT ends the secure channel */
    if (a->lc == 0) { /* card manager: deselects the applet */
        c->selected = false;
        card_drop_sessions(c);
        card_drop_crypto_objects(c);
        return SE05X_SW_OK;
    }
    if (a->lc < SE05X_AID_MIN_LEN || a->lc > SE05X_AID_LEN || memcmp(a->data, SE05X_AID, a->lc) != 0)
        return SE05X_SW_FILE_NOT_FOUND;
    c->selected = true;
    tlv_put_raw(w, c->version, sizeof c->version);
    return SE05X_SW_OK;
}

/* A plain applet command (CLA 80), the applet being selected. */
static uint16_t process_applet(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    if (a->ins == SE05X_INS_PROCESS)
        return a->p1 || a->p2 ? SE05X_SW_WRONG_P1P2 : card_process_session(c, a, w);
    if (card_locked(c)) { /* A13: only a TRANSPORT session may be opened */
        static const uint8_t transport[] = {0x41, 0x04, 0x7F, 0xFF, 0x02, 0x00};
        bool open_transport = a->ins == SE05X_INS_MGMT && a->p1 == 0 && a->p2 == 0x1B &&
                              a->lc == sizeof transport && memcmp(a->data, transport, a->lc) == 0;
        if (!open_transport)
            return SE05X_SW_CONDITIONS;
    }
    return card_dispatch(c, a, w);
}

/* GlobalPlatform PUT KEY under Platform SCP03 (docs/protocol/scp03.md §10):
 * the new static keys are written to the state dir (atomically) before
 * they replace the old ones in memory; a failed write changes nothing. */
static uint16_t do_put_key(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t rec[SCP03_KEYREC_LEN], rsp[10];
    uint16_t sw = scp03_put_key(&c->scp, a->p1, a->p2, a->data, a->lc, rec, rsp);
    if (sw != SE05X_SW_OK)
        return sw;
    if (c->store.dir_fd >= 0 && statedir_write_file(c->store.dir_fd, SCP03_KEYS_FILE, rec, sizeof rec) != 0) {
        sim_log(SIM_LOG_ERROR, "cannot write %s/%s: %s", c->state_dir, SCP03_KEYS_FILE, strerror(errno));
        OPENSSL_cleanse(rec, sizeof rec);
        return 0x6581; /* memory failure */
    }
    scp03_set_keys(&c->scp, rec);
    OPENSSL_cleanse(rec, sizeof rec);
    tlv_put_raw(w, rsp, sizeof rsp);
    return SE05X_SW_OK;
}

/* CLA 84: EXTERNAL AUTHENTICATE, or a command under Platform SCP03. */
static uint16_t process_scp(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t plain[SE05X_MAX_APDU_PAYLOAD_7X + 16];
    size_t pl;
    bool had_data;
    struct sim_apdu in;
    if (!c->selected)
        return SE05X_SW_CONDITIONS;
    if (a->ins == 0x82) { /* EXTERNAL AUTHENTICATE */
        uint8_t raw[5 + 16] = {a->cla, a->ins, a->p1, a->p2, (uint8_t)a->lc};
        if (a->extended || a->lc != 16) {
            scp03_reset(&c->scp);
            return SE05X_SW_SECURITY_STATUS;
        }
        memcpy(raw + 5, a->data, 16);
        return scp03_external_authenticate(&c->scp, raw, sizeof raw);
    }
    uint8_t h[4] = {a->cla, a->ins, a->p1, a->p2};
    uint16_t sw = scp03_unwrap(&c->scp, h, a->extended, a->data, a->lc, a->has_le, plain, sizeof plain,
                               &pl, &had_data);
    if (sw != SE05X_SW_OK)
        return sw;
    if ((sw = sim_apdu_parse(plain, pl, &in)) != SE05X_SW_OK)
        return sw;
    sw = in.ins == 0xD8 ? do_put_key(c, &in, w) : process_applet(c, &in, w);
    OPENSSL_cleanse(plain, sizeof plain);
    if (sw != SE05X_SW_OK || !c->scp.active)
        return sw; /* B4: errors are answered with the bare SW */
    size_t n = tlv_w_ok(w) ? scp03_wrap_response(&c->scp, w->buf, w->len, w->cap) : 0;
    if (!n && (w->len || (c->scp.level & SCP_LEVEL_RMAC)))
        return SE05X_SW_WRONG_LENGTH;
    w->len = n;
    return SE05X_SW_OK;
}

static uint16_t process(struct sim_card *c, const uint8_t *capdu, size_t clen, struct tlv_w *w)
{
    struct sim_apdu a;
    uint16_t sw = sim_apdu_parse(capdu, clen, &a);
    if (sw != SE05X_SW_OK)
        return sw;
    if (a.lc > c->var->payload) /* A15: the chip cannot take more */
        return SE05X_SW_WRONG_LENGTH;
    if (a.cla == SE05X_CLA_ISO)
        return a.ins == SE05X_INS_SELECT ? do_select(c, &a, w) : SE05X_SW_INS_NOT_SUPPORTED;
    if (a.cla == SE05X_CLA_SCP)
        return process_scp(c, &a, w);
    if (a.cla != SE05X_CLA)
        return SE05X_SW_CLA_NOT_SUPPORTED;
    if (!c->selected)
        return a.ins == 0xCA ? card_manager_get_data(c, &a, w) : SE05X_SW_CONDITIONS;
    if (a.ins == 0x50) { /* INITIALIZE UPDATE (GP) */
        uint8_t out[29];
        if (a.p2 != 0)
            return SE05X_SW_WRONG_P1P2;
        sw = scp03_initialize_update(&c->scp, a.p1, a.data, a.lc, c->cfg.scp03_test_challenge, out);
        if (sw == SE05X_SW_OK)
            tlv_put_raw(w, out, sizeof out);
        return sw;
    }
    if (a.ins == 0xD8) /* PUT KEY: only inside a Platform SCP03 session */
        return SE05X_SW_SECURITY_STATUS;
    if (c->scp.active && (c->scp.level & SCP_LEVEL_CMAC)) {
        scp03_reset(&c->scp); /* a plain command ends the secure channel */
        return SE05X_SW_SECURITY_STATUS;
    }
    if (c->var->fips && !c->scp.active)
        return SE05X_SW_SECURITY_STATUS; /* A14: SCP03 mandatory */
    return process_applet(c, &a, w);
}

size_t sim_card_apdu(struct sim_card *c, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                     size_t rcap)
{
    uint8_t buf[RSP_MAX];
    struct tlv_w w;
    if (rcap < 2)
        return 0;
    tlv_w_init(&w, buf, sizeof buf);
    pthread_mutex_lock(&c->lock);
    uint16_t sw = process(c, capdu, clen, &w);
    pthread_mutex_unlock(&c->lock);
    size_t n = 0;
    if (sw == SE05X_SW_OK) {
        if (!tlv_w_ok(&w) || w.len > c->var->payload + 8u || w.len > rcap - 2)
            sw = SE05X_SW_WRONG_LENGTH; /* response beyond the applet's limit */
        else
            n = w.len;
    }
    if (n)
        memcpy(rapdu, buf, n);
    OPENSSL_cleanse(buf, sizeof buf);
    rapdu[n] = (uint8_t)(sw >> 8);
    rapdu[n + 1] = (uint8_t)sw;
    SIM_DBG("APDU %02X %02X %02X %02X +%zu bytes -> %04X, %zu data bytes", clen > 0 ? capdu[0] : 0,
            clen > 1 ? capdu[1] : 0, clen > 2 ? capdu[2] : 0, clen > 3 ? capdu[3] : 0,
            clen > 4 ? clen - 4 : 0, sw, n);
    return n + 2;
}
