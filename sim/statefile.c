/* SPDX-License-Identifier: Apache-2.0 */
/* The state file DIR/state: every persistent object and curve in one file,
 * replaced atomically (write DIR/state.tmp.<random>, fsync, rename, fsync
 * DIR; statedir.h: no symlink followed, temp files created exclusively) so a
 * kill at any instant leaves the old or the new state. Layout (big-endian):
 *   "SE05XSIM" | u32 version | u32 body length | body | SHA-256(all before)
 *   body = u64 created | u8 locked (v2) | u8 applet generation 3/7 (v3) |
 *          curves created[17] | curve params[17] | u32 count |
 *          count x { u32 id, u8 type, u8 origin, u8 flags, u8 curve, u16 rsa_bits,
 *                    u16 max_attempts, u32 reserve, u16 policy_len, policy,
 *                    u32 object version (v3), 8 x { u32 len, bytes } }
 * Files of versions 1 and 2 were written by 3.x cards (generation 3).
 * A file that fails any check is refused, never silently dropped. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "statedir.h"
#include "store.h"
#include "tlv.h"

#define MAGIC "SE05XSIM"
#define VERSION 3u /* 2: + lock byte; 3: + generation, object versions; 1 and 2 are still read */
#define FLAG_AUTH 1u
#define FLAG_INCOMPLETE 2u
#define MAX_FILE (16u << 20)

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + n)
            nc *= 2;
        uint8_t *np = malloc(nc);
        if (!np) {
            b->oom = true;
            return;
        }
        if (b->p) {
            memcpy(np, b->p, b->len);
            OPENSSL_cleanse(b->p, b->cap);
            free(b->p);
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void put8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void put16(struct buf *b, uint16_t v)
{
    uint8_t x[2];
    put_be16(x, v);
    put(b, x, 2);
}
static void put32(struct buf *b, uint32_t v)
{
    uint8_t x[4];
    put_be32(x, v);
    put(b, x, 4);
}

int statefile_write(const struct sim_store *s)
{
    struct buf b = {0};
    int rc = -1;
    put(&b, MAGIC, 8);
    put32(&b, VERSION);
    put32(&b, 0); /* body length, patched below */
    put32(&b, (uint32_t)(s->created >> 32));
    put32(&b, (uint32_t)s->created);
    put8(&b, s->locked ? 1 : 0);
    put8(&b, s->gen ? s->gen : 3);
    put(&b, s->curve_created + 1, SIM_CURVE_MAX);
    put(&b, s->curve_params + 1, SIM_CURVE_MAX);
    uint32_t count = 0;
    for (size_t i = 0; i < s->n; i++)
        count += !s->objs[i]->transient;
    put32(&b, count);
    for (size_t i = 0; i < s->n; i++) {
        const struct sim_obj *o = s->objs[i];
        if (o->transient)
            continue;
        put32(&b, o->id);
        put8(&b, o->type);
        put8(&b, o->origin);
        put8(&b, (uint8_t)((o->auth ? FLAG_AUTH : 0) | (o->incomplete ? FLAG_INCOMPLETE : 0)));
        put8(&b, o->curve);
        put16(&b, o->rsa_bits);
        put16(&b, o->max_attempts);
        put32(&b, o->reserve);
        put16(&b, o->policy_len);
        put(&b, o->policy, o->policy_len);
        put32(&b, o->version);
        for (int k = 0; k < SIM_PARTS; k++) {
            put32(&b, o->part_len[k]);
            put(&b, o->part[k], o->part_len[k]);
        }
    }
    if (b.oom)
        goto out;
    put_be32(b.p + 12, (uint32_t)(b.len - 16));
    uint8_t md[32];
    unsigned mdlen = 0;
    if (!EVP_Digest(b.p, b.len, md, &mdlen, EVP_sha256(), NULL))
        goto out;
    put(&b, md, 32);
    if (b.oom)
        goto out;

    if (statedir_write_file(s->dir_fd, "state", b.p, b.len) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "se05x-sim: error: cannot write state file in %s: %s\n", s->dir,
                strerror(errno));
    if (b.p) {
        OPENSSL_cleanse(b.p, b.cap);
        free(b.p);
    }
    return rc;
}

struct rd {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};
static const uint8_t *take(struct rd *r, size_t n)
{
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}
static uint8_t get8(struct rd *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}
static uint16_t get16(struct rd *r)
{
    const uint8_t *p = take(r, 2);
    return p ? be16(p) : 0;
}
static uint32_t get32(struct rd *r)
{
    const uint8_t *p = take(r, 4);
    return p ? be32(p) : 0;
}

static int parse_body(struct sim_store *s, struct rd *r, uint32_t version)
{
    s->created = ((uint64_t)get32(r) << 32) | get32(r);
    if (version >= 2) {
        uint8_t l = get8(r);
        if (l > 1)
            return -1;
        s->locked = l;
    }
    s->gen = version >= 3 ? get8(r) : 3;
    if (s->gen != 3 && s->gen != 7)
        return -1;
    const uint8_t *cc = take(r, SIM_CURVE_MAX), *cp = take(r, SIM_CURVE_MAX);
    if (r->bad)
        return -1;
    memcpy(s->curve_created + 1, cc, SIM_CURVE_MAX);
    memcpy(s->curve_params + 1, cp, SIM_CURVE_MAX);
    uint32_t count = get32(r);
    if (r->bad || count > r->len)
        return -1;
    uint32_t prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        struct sim_obj *o = sim_obj_new(get32(r), 0);
        if (!o)
            return -1;
        o->type = get8(r);
        o->origin = get8(r);
        uint8_t flags = get8(r);
        o->auth = flags & FLAG_AUTH;
        o->incomplete = flags & FLAG_INCOMPLETE;
        o->curve = get8(r);
        o->rsa_bits = get16(r);
        o->max_attempts = get16(r);
        o->reserve = get32(r);
        o->policy_len = get16(r);
        const uint8_t *pol = o->policy_len <= sizeof o->policy ? take(r, o->policy_len) : NULL;
        if (!pol) {
            sim_obj_free(o);
            return -1;
        }
        memcpy(o->policy, pol, o->policy_len);
        if (version >= 3)
            o->version = get32(r);
        for (int k = 0; k < SIM_PARTS && !r->bad; k++) {
            uint32_t n = get32(r);
            const uint8_t *d = take(r, n);
            if (d && n && !sim_obj_set_part(o, k, d, n))
                r->bad = true;
        }
        /* ids strictly ascending: the store relies on the order */
        if (r->bad || (i > 0 && o->id <= prev) || s->n >= s->cap) {
            sim_obj_free(o);
            return -1;
        }
        prev = o->id;
        s->objs[s->n++] = o;
    }
    return r->pos == r->len ? 0 : -1;
}

int statefile_load(struct sim_store *s, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/state", s->dir);
    /* leftovers of an interrupted write were removed by statedir_open */
    int fd = statedir_open_file(s->dir_fd, s->dir, "state", O_RDONLY, err, errlen);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    off_t size = lseek(fd, 0, SEEK_END);
    uint8_t *p = NULL;
    int rc = -1;
    const char *why = "truncated";
    if (size < 0 || size > (off_t)MAX_FILE) {
        why = "unexpected size";
        goto out;
    }
    p = malloc((size_t)size + 1);
    if (!p || pread(fd, p, (size_t)size, 0) != size) {
        why = "read error";
        goto out;
    }
    size_t n = (size_t)size;
    if (n < 16 + 32)
        goto out;
    if (memcmp(p, MAGIC, 8) != 0) {
        why = "not an se05x-sim state file";
        goto out;
    }
    uint32_t version = be32(p + 8);
    if (version < 1 || version > VERSION) {
        why = "unsupported format version";
        goto out;
    }
    if ((size_t)be32(p + 12) != n - 16 - 32)
        goto out;
    uint8_t md[32];
    unsigned mdlen = 0;
    if (!EVP_Digest(p, n - 32, md, &mdlen, EVP_sha256(), NULL) ||
        CRYPTO_memcmp(md, p + n - 32, 32) != 0) {
        why = "checksum mismatch";
        goto out;
    }
    struct rd r = {p + 16, n - 16 - 32, 0, false};
    /* upper bound of the object count: every record is at least 50 bytes */
    s->cap = r.len / 50 + 1;
    s->objs = calloc(s->cap, sizeof *s->objs);
    if (!s->objs) {
        why = "out of memory";
        goto out;
    }
    if (parse_body(s, &r, version) != 0) {
        why = "malformed content";
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        snprintf(err, errlen,
                 "state file %s is corrupted (%s); refusing to start (move it away to start "
                 "with a fresh card)",
                 path, why);
    if (p) {
        OPENSSL_cleanse(p, (size_t)size);
        free(p);
    }
    close(fd);
    return rc;
}
