/* SPDX-License-Identifier: Apache-2.0 */
/* Store loader for key URIs (docs/provider.md "Key references"):
 *   nxp:0x<hex id>                 NXP provider form (prefix "nxp:0x", hex, <= 32 bits)
 *   nxp:<path>                     NXP provider form: a reference-key file
 *   se05x:<id>[?conn=<connection>] ours: id hex with or without 0x; optional
 *                                  connection (HOST:PORT, unix:PATH, t1:HOST:PORT,
 *                                  /dev/i2c-N[:0xAA]), %XX escapes allowed.
 * Loading a key from the chip opens the session (the first real use). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include "sxp.h"

typedef struct {
    SXP_PROV *p;
    se05x_objid id;
    char path[1024];          /* nxp:<path> form */
    char conn[SXP_CONN_MAX];
    int done;
} SXP_STORE;

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* %XX decoding into out; 0 on malformed input or overflow. */
static int pct_decode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in; in++) {
        int ch = (unsigned char)*in;
        if (ch == '%') {
            int h = hexval(in[1]), l = h < 0 ? -1 : hexval(in[2]);
            if (l < 0)
                return 0;
            ch = h * 16 + l;
            in += 2;
        }
        if (n + 1 >= cap || ch == 0)
            return 0;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
    return 1;
}

/* Strict hex id: 1..8 hex digits, non-zero. */
static int parse_hex_id(const char *s, se05x_objid *id)
{
    size_t n = strlen(s);
    unsigned long v = 0;
    if (n == 0 || n > 8)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval((unsigned char)s[i]);
        if (h < 0)
            return 0;
        v = v * 16 + (unsigned long)h;
    }
    if (v == 0)
        return 0;
    *id = (se05x_objid)v;
    return 1;
}

static void *store_open(void *provctx, const char *uri)
{
    SXP_PROV *p = provctx;
    SXP_STORE *c = OPENSSL_zalloc(sizeof(*c));
    char body[1200];
    if (c == NULL)
        return NULL;
    c->p = p;
    if (strncmp(uri, "nxp:", 4) == 0) {
        const char *r = uri + 4;
        if (strncmp(r, "0x", 2) == 0 || strncmp(r, "0X", 2) == 0) {
            if (!parse_hex_id(r + 2, &c->id))
                goto bad;
        } else if (*r != '\0' && strlen(r) < sizeof(c->path)) {
            snprintf(c->path, sizeof(c->path), "%s", r);
        } else {
            goto bad;
        }
        return c;
    }
    if (strncmp(uri, "se05x:", 6) == 0) {
        const char *r = uri + 6, *qm = strchr(r, '?');
        size_t idlen = qm ? (size_t)(qm - r) : strlen(r);
        if (strncmp(r, "//", 2) == 0) { /* tolerate se05x://<id> */
            r += 2;
            idlen -= 2;
        }
        if (idlen >= sizeof(body))
            goto bad;
        memcpy(body, r, idlen);
        body[idlen] = '\0';
        if (strncmp(body, "0x", 2) == 0 || strncmp(body, "0X", 2) == 0)
            memmove(body, body + 2, strlen(body + 2) + 1);
        if (!parse_hex_id(body, &c->id))
            goto bad;
        if (qm != NULL) {
            if (strncmp(qm + 1, "conn=", 5) != 0 || !pct_decode(qm + 6, c->conn, sizeof(c->conn))
                || c->conn[0] == '\0')
                goto bad;
        }
        return c;
    }
bad:
    sxp_err(p, SXP_R_BAD_URI,
            "se05x: malformed key URI '%.200s' (expected nxp:0x<hex id>, nxp:<ref file> or "
            "se05x:<hex id>[?conn=<connection>])", uri);
    OPENSSL_free(c);
    return NULL;
}

static unsigned char *read_file(SXP_PROV *p, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    size_t n;
    if (f == NULL) {
        sxp_err(p, SXP_R_BAD_URI, "se05x: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    buf = OPENSSL_malloc(65536);
    n = buf != NULL ? fread(buf, 1, 65536, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0 || n == 65536) {
        sxp_err(p, SXP_R_BAD_KEY, "se05x: %s: empty or oversized key file", path);
        OPENSSL_free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int store_load(void *ctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
                      OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    SXP_STORE *c = ctx;
    SXP_KEY *k = NULL;
    int ok;
    (void)pw_cb;
    (void)pw_cbarg;
    if (c->done)
        return 0;
    c->done = 1;
    if (c->path[0]) {
        size_t len = 0;
        int is_ref = 0;
        unsigned char *buf = read_file(c->p, c->path, &len);
        if (buf == NULL)
            return 0;
        k = sxp_key_from_refkey(c->p, buf, len, NULL, &is_ref);
        OPENSSL_free(buf);
        if (k == NULL) {
            if (!is_ref)
                sxp_err(c->p, SXP_R_BAD_KEY, "se05x: %s is not a reference key", c->path);
            return 0;
        }
    } else {
        k = sxp_key_from_chip(c->p, c->id, c->conn);
        if (k == NULL)
            return 0;
    }
    ok = sxp_key_object_cb(k, object_cb, object_cbarg);
    sxp_key_free(k);
    return ok;
}

static int store_eof(void *ctx)
{
    return ((SXP_STORE *)ctx)->done;
}

static int store_close(void *ctx)
{
    OPENSSL_free(ctx);
    return 1;
}

static int store_set_ctx_params(void *ctx, const OSSL_PARAM params[])
{
    (void)ctx;
    (void)params;
    return 1;
}

static const OSSL_PARAM *store_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM t[] = {
        OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
        OSSL_PARAM_END
    };
    (void)provctx;
    return t;
}

const OSSL_DISPATCH sxp_store_functions[] = {
    { OSSL_FUNC_STORE_OPEN, (void (*)(void))store_open },
    { OSSL_FUNC_STORE_LOAD, (void (*)(void))store_load },
    { OSSL_FUNC_STORE_EOF, (void (*)(void))store_eof },
    { OSSL_FUNC_STORE_CLOSE, (void (*)(void))store_close },
    { OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))store_set_ctx_params },
    { OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))store_settable_ctx_params },
    { OSSL_FUNC_STORE_EXPORT_OBJECT, (void (*)(void))sxp_no_export_object },
    { 0, NULL }
};
