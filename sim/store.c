/* SPDX-License-Identifier: Apache-2.0 */
/* See store.h. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "se05x_proto.h"
#include "statedir.h"

struct sim_obj *sim_obj_new(uint32_t id, uint8_t type)
{
    struct sim_obj *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->id = id;
    o->type = type;
    o->origin = SE05X_ORIGIN_EXTERNAL;
    return o;
}

void sim_obj_free(struct sim_obj *o)
{
    if (!o)
        return;
    for (int i = 0; i < SIM_PARTS; i++) {
        if (o->part[i]) {
            OPENSSL_cleanse(o->part[i], o->part_len[i]);
            free(o->part[i]);
        }
    }
    OPENSSL_cleanse(o, sizeof *o);
    free(o);
}

bool sim_obj_set_part(struct sim_obj *o, int i, const uint8_t *p, size_t n)
{
    uint8_t *copy = NULL;
    if (n) {
        copy = malloc(n);
        if (!copy)
            return false;
        if (p)
            memcpy(copy, p, n);
        else
            memset(copy, 0, n);
    }
    if (o->part[i]) {
        OPENSSL_cleanse(o->part[i], o->part_len[i]);
        free(o->part[i]);
    }
    o->part[i] = copy;
    o->part_len[i] = (uint32_t)n;
    return true;
}

struct sim_obj *sim_obj_clone(const struct sim_obj *o)
{
    struct sim_obj *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    memcpy(c, o, sizeof *c);
    for (int i = 0; i < SIM_PARTS; i++) {
        c->part[i] = NULL;
        c->part_len[i] = 0;
    }
    for (int i = 0; i < SIM_PARTS; i++) {
        if (o->part[i] && !sim_obj_set_part(c, i, o->part[i], o->part_len[i])) {
            sim_obj_free(c);
            return NULL;
        }
    }
    return c;
}

static size_t round16(size_t n) { return (n + SIM_MEM_GRANULE - 1) / SIM_MEM_GRANULE * SIM_MEM_GRANULE; }

size_t sim_obj_cost(const struct sim_obj *o)
{
    size_t data = 0;
    for (int i = 0; i < SIM_PARTS; i++)
        data += o->part_len[i];
    if (o->reserve > data)
        data = o->reserve;
    return SIM_OBJ_OVERHEAD + round16(o->policy_len) + round16(data);
}

size_t store_used(const struct sim_store *s, bool transient)
{
    size_t used = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->objs[i]->transient == transient)
            used += sim_obj_cost(s->objs[i]);
    return used;
}

/* Index of id, or of the insertion point with *found = false. */
static size_t find_idx(const struct sim_store *s, uint32_t id, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->objs[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->n && s->objs[lo]->id == id;
    return lo;
}

struct sim_obj *store_find(const struct sim_store *s, uint32_t id)
{
    bool found;
    size_t i = find_idx(s, id, &found);
    return found ? s->objs[i] : NULL;
}

int store_persist(struct sim_store *s)
{
    if (!s->dir)
        return 0;
    return statefile_write(s);
}

uint16_t store_put(struct sim_store *s, struct sim_obj *o)
{
    bool found;
    size_t i = find_idx(s, o->id, &found);
    struct sim_obj *old = found ? s->objs[i] : NULL;
    size_t used = store_used(s, o->transient);
    if (old && old->transient == o->transient)
        used -= sim_obj_cost(old);
    if (used + sim_obj_cost(o) > (o->transient ? s->tcap : s->pcap))
        return SE05X_SW_FILE_FULL;
    if (!found) {
        if (s->n == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 32;
            struct sim_obj **n = realloc(s->objs, ncap * sizeof *n);
            if (!n)
                return SE05X_SW_FILE_FULL;
            s->objs = n;
            s->cap = ncap;
        }
        memmove(s->objs + i + 1, s->objs + i, (s->n - i) * sizeof *s->objs);
        s->n++;
    }
    s->objs[i] = o;
    bool durable = !o->transient || (old && !old->transient);
    if (durable && store_persist(s) != 0) {
        /* roll back: the card must not diverge from its state file */
        if (old) {
            s->objs[i] = old;
        } else {
            memmove(s->objs + i, s->objs + i + 1, (s->n - i - 1) * sizeof *s->objs);
            s->n--;
        }
        return 0x6F00;
    }
    sim_obj_free(old);
    return SE05X_SW_OK;
}

uint16_t store_remove(struct sim_store *s, uint32_t id)
{
    bool found;
    size_t i = find_idx(s, id, &found);
    if (!found)
        return SE05X_SW_WRONG_DATA;
    struct sim_obj *old = s->objs[i];
    memmove(s->objs + i, s->objs + i + 1, (s->n - i - 1) * sizeof *s->objs);
    s->n--;
    if (!old->transient && store_persist(s) != 0) {
        memmove(s->objs + i + 1, s->objs + i, (s->n - i) * sizeof *s->objs);
        s->objs[i] = old;
        s->n++;
        return 0x6F00;
    }
    sim_obj_free(old);
    return SE05X_SW_OK;
}

uint16_t store_set_curve(struct sim_store *s, uint8_t curve, bool created, uint8_t params)
{
    if (curve == 0 || curve > SIM_CURVE_MAX)
        return SE05X_SW_WRONG_DATA;
    uint8_t oc = s->curve_created[curve], op = s->curve_params[curve];
    s->curve_created[curve] = created;
    s->curve_params[curve] = created ? params : 0;
    if (store_persist(s) != 0) {
        s->curve_created[curve] = oc;
        s->curve_params[curve] = op;
        return 0x6F00;
    }
    return SE05X_SW_OK;
}

uint16_t store_delete_all(struct sim_store *s)
{
    struct sim_obj **keep = calloc(s->n ? s->n : 1, sizeof *keep);
    uint8_t cc[sizeof s->curve_created], cp[sizeof s->curve_params];
    size_t nk = 0;
    if (!keep)
        return 0x6F00;
    for (size_t i = 0; i < s->n; i++)
        if (s->objs[i]->origin == SE05X_ORIGIN_PROVISIONED)
            keep[nk++] = s->objs[i];
    struct sim_obj **old = s->objs;
    size_t oldn = s->n, oldcap = s->cap;
    memcpy(cc, s->curve_created, sizeof cc);
    memcpy(cp, s->curve_params, sizeof cp);
    memset(s->curve_created, 0, sizeof s->curve_created);
    memset(s->curve_params, 0, sizeof s->curve_params);
    s->objs = keep;
    s->n = nk;
    s->cap = oldn ? oldn : 1;
    if (store_persist(s) != 0) {
        s->objs = old;
        s->n = oldn;
        s->cap = oldcap;
        memcpy(s->curve_created, cc, sizeof cc);
        memcpy(s->curve_params, cp, sizeof cp);
        free(keep);
        return 0x6F00;
    }
    for (size_t i = 0; i < oldn; i++)
        if (old[i]->origin != SE05X_ORIGIN_PROVISIONED)
            sim_obj_free(old[i]);
    free(old);
    return SE05X_SW_OK;
}

uint16_t store_set_locked(struct sim_store *s, bool locked)
{
    bool old = s->locked;
    s->locked = locked;
    if (store_persist(s) != 0) {
        s->locked = old;
        return 0x6F00;
    }
    return SE05X_SW_OK;
}

void store_drop_transient(struct sim_store *s)
{
    size_t j = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->objs[i]->transient)
            sim_obj_free(s->objs[i]);
        else
            s->objs[j++] = s->objs[i];
    }
    s->n = j;
}

/* Takes DIR/lock (flock): one emulator per state directory. The file is
 * created exclusively or must be a safe file of ours (statedir.h): a planted
 * symlink or another user's file is refused, never truncated. */
static int take_lock(struct sim_store *s, char *err, size_t errlen)
{
    int fd = statedir_create_file(s->dir_fd, "lock", O_RDWR);
    if (fd < 0 && errno == EEXIST) {
        fd = statedir_open_file(s->dir_fd, s->dir, "lock", O_RDWR, err, errlen);
        if (fd < 0 && errno == ENOENT)
            snprintf(err, errlen, "cannot open %s/lock: it vanished while opening it", s->dir);
        if (fd < 0)
            return -1;
    } else if (fd < 0) {
        snprintf(err, errlen, "cannot create %s/lock: %s", s->dir, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {0};
        int e = errno;
        ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
        long pid = r > 0 ? strtol(buf, NULL, 10) : 0;
        close(fd);
        if (e == EWOULDBLOCK || e == EAGAIN || pid > 0) {
            snprintf(err, errlen, "state directory %s is in use by another se05x-sim (pid %ld)", s->dir,
                     pid);
        } else {
            snprintf(err, errlen, "cannot lock %s/lock: %s", s->dir, strerror(e));
        }
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        snprintf(err, errlen, "cannot write %s/lock: %s", s->dir, strerror(errno));
        close(fd);
        return -1;
    }
    s->lock_fd = fd;
    return 0;
}

/* DIR/chip.key: 32 random bytes created once (atomically), the secret the
 * ExportObject blob key is derived from; kept apart from the state file so
 * blobs stay importable whatever happens to the objects. An existing one
 * must be a safe file of ours (statedir.h): never another user's key. */
static int load_chip_secret(struct sim_store *s, char *err, size_t errlen)
{
    int fd = statedir_open_file(s->dir_fd, s->dir, "chip.key", O_RDONLY, err, errlen);
    if (fd >= 0) {
        ssize_t n = read(fd, s->chip_secret, sizeof s->chip_secret);
        close(fd);
        if (n == (ssize_t)sizeof s->chip_secret)
            return 0;
        snprintf(err, errlen, "%s/chip.key is corrupted (expected 32 bytes); refusing to start", s->dir);
        return -1;
    }
    if (errno != ENOENT)
        return -1;
    if (RAND_bytes(s->chip_secret, sizeof s->chip_secret) != 1 ||
        statedir_write_file(s->dir_fd, "chip.key", s->chip_secret, sizeof s->chip_secret) != 0) {
        snprintf(err, errlen, "cannot write %s/chip.key: %s", s->dir, strerror(errno));
        return -1;
    }
    return 0;
}

int store_open(struct sim_store *s, const char *dir, size_t pcap, size_t tcap, bool *fresh,
               char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    s->dir_fd = -1;
    s->pcap = pcap;
    s->tcap = tcap;
    *fresh = true;
    if (!dir)
        return RAND_bytes(s->chip_secret, sizeof s->chip_secret) == 1 ? 0 : -1;
    s->dir = strdup(dir);
    if (!s->dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((s->dir_fd = statedir_open(dir, err, errlen)) < 0)
        goto fail;
    if (take_lock(s, err, errlen) != 0 || load_chip_secret(s, err, errlen) != 0)
        goto fail;
    int r = statefile_load(s, err, errlen);
    if (r < 0)
        goto fail;
    *fresh = r == 1;
    return 0;
fail:
    store_close(s);
    return -1;
}

void store_close(struct sim_store *s)
{
    for (size_t i = 0; i < s->n; i++)
        sim_obj_free(s->objs[i]);
    free(s->objs);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    free(s->dir);
    OPENSSL_cleanse(s, sizeof *s);
    s->lock_fd = -1;
    s->dir_fd = -1;
}
