/* SPDX-License-Identifier: Apache-2.0 */
/* See sim_test_util.h. */
#include "sim_test_util.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/objects.h>

#include "log.h"
#include "tlv.h"

char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/se05x-simtest.XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *s = strdup(d);
    assert_non_null(s);
    return s;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void tu_rmdir(char *dir)
{
    if (!dir)
        return;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

struct sim_card *tu_open(const char *dir, const struct sim_card_cfg *over)
{
    struct sim_card_cfg cfg = {0};
    struct sim_card *c = NULL;
    char err[512];
    sim_log_set_level(SIM_LOG_WARN);
    if (over)
        cfg = *over;
    cfg.state_dir = dir;
    if (sim_card_open(&cfg, &c, err, sizeof err) != 0)
        fail_msg("sim_card_open: %s", err);
    return c;
}

struct sim_card *tu_open_selected(const char *dir, const struct sim_card_cfg *over)
{
    struct sim_card *c = tu_open(dir, over);
    uint8_t r[64];
    size_t n;
    assert_int_equal(tu_apdu(c, "00A4040010A0000003965453000000010300000000 00", r, &n), 0x9000);
    return c;
}

uint16_t tu_apdu_bin(struct sim_card *c, const uint8_t *capdu, size_t clen, uint8_t *rsp, size_t *rlen)
{
    uint8_t out[4096];
    size_t n = sim_card_apdu(c, capdu, clen, out, sizeof out);
    assert_true(n >= 2);
    if (rsp)
        memcpy(rsp, out, n - 2);
    if (rlen)
        *rlen = n - 2;
    return (uint16_t)(out[n - 2] << 8 | out[n - 1]);
}

uint16_t tu_apdu(struct sim_card *c, const char *hex, uint8_t *rsp, size_t *rlen)
{
    uint8_t buf[4096];
    size_t n = test_hex(hex, buf, sizeof buf);
    return tu_apdu_bin(c, buf, n, rsp, rlen);
}

uint16_t tu_cmd(struct sim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                const uint8_t *data, size_t n, uint8_t *rsp, size_t *rlen)
{
    uint8_t buf[4096];
    size_t len = 0;
    buf[len++] = cla;
    buf[len++] = ins;
    buf[len++] = p1;
    buf[len++] = p2;
    if (n == 0) {
        buf[len++] = 0;
    } else if (n < 256) {
        buf[len++] = (uint8_t)n;
    } else {
        buf[len++] = 0;
        buf[len++] = (uint8_t)(n >> 8);
        buf[len++] = (uint8_t)n;
    }
    assert_true(len + n <= sizeof buf);
    if (n)
        memcpy(buf + len, data, n);
    return tu_apdu_bin(c, buf, len + n, rsp, rlen);
}

bool tu_tlv(const uint8_t *rsp, size_t rlen, uint8_t tag, const uint8_t **v, size_t *n)
{
    return tlv_find(rsp, rlen, tag, v, n);
}

static void set_param(struct sim_card *c, uint8_t curve, uint8_t param, const uint8_t *v, size_t n)
{
    uint8_t d[300];
    struct tlv_w w;
    tlv_w_init(&w, d, sizeof d);
    tlv_put_u8(&w, 0x41, curve);
    tlv_put_u8(&w, 0x42, param);
    tlv_put(&w, 0x43, v, n);
    assert_true(tlv_w_ok(&w));
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x0B, 0x40, d, w.len, NULL, NULL), 0x9000);
}

void tu_create_curve(struct sim_card *c, uint8_t curve, const char *name)
{
    uint8_t d[3] = {0x41, 0x01, curve}, v[200];
    EC_GROUP *g = EC_GROUP_new_by_curve_name(OBJ_txt2nid(name));
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new();
    assert_non_null(g);
    assert_true(EC_GROUP_get_curve(g, p, a, b, NULL));
    int fl = (EC_GROUP_get_degree(g) + 7) / 8;
    assert_int_equal(tu_cmd(c, 0x80, 0x01, 0x0B, 0x04, d, 3, NULL, NULL), 0x9000);
    BN_bn2binpad(a, v, fl);
    set_param(c, curve, 0x01, v, (size_t)fl);
    BN_bn2binpad(b, v, fl);
    set_param(c, curve, 0x02, v, (size_t)fl);
    size_t gl = EC_POINT_point2oct(g, EC_GROUP_get0_generator(g), POINT_CONVERSION_UNCOMPRESSED, v,
                                   sizeof v, NULL);
    set_param(c, curve, 0x04, v, gl);
    int ol = BN_num_bytes(EC_GROUP_get0_order(g));
    BN_bn2binpad(EC_GROUP_get0_order(g), v, ol);
    set_param(c, curve, 0x08, v, (size_t)ol);
    BN_bn2binpad(p, v, fl);
    set_param(c, curve, 0x10, v, (size_t)fl);
    BN_free(p);
    BN_free(a);
    BN_free(b);
    EC_GROUP_free(g);
}
