/* SPDX-License-Identifier: Apache-2.0 */
/* (d) The emulator's state-file loader (sim/statefile.c). The first input
 * byte picks the framing: bit 7 clear = the rest is the body of a state
 * file whose header (magic, version 1 or 2 from bit 0, body length) and
 * SHA-256 trailer the harness writes correctly, so the fuzzer reaches the
 * body parser; bit 7 set = the rest is written as the whole file (header and
 * checksum checks). The file goes to a private temporary directory; a load
 * must either succeed with a consistent store or fail with a message. */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "store.h"
#include "tlv.h"

static char g_dir[64];
static int g_dirfd = -1; /* the store reads through its directory fd (sim/statedir.c) */

static void cleanup(void)
{
    char p[128];
    snprintf(p, sizeof p, "%s/state", g_dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/state.tmp", g_dir);
    unlink(p);
    rmdir(g_dir);
}

static void write_file(const uint8_t *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/state", g_dir);
    /* as the emulator writes it: 0600 in a 0700 directory */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) || close(fd) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/se05x-fuzz-state.XXXXXX");
        if (!mkdtemp(g_dir))
            abort();
        if ((g_dirfd = open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
            abort();
        atexit(cleanup);
        fz_quiet();
    }
    if (!size || size > (1u << 20))
        return 0;
    const uint8_t *body = data + 1;
    size_t blen = size - 1;
    if (data[0] & 0x80) {
        write_file(body, blen);
    } else {
        uint8_t *f = malloc(16 + blen + 32);
        if (!f)
            return 0;
        memcpy(f, "SE05XSIM", 8);
        put_be32(f + 8, (data[0] & 1) ? 2u : 1u);
        put_be32(f + 12, (uint32_t)blen);
        if (blen)
            memcpy(f + 16, body, blen);
        unsigned mdlen = 0;
        if (!EVP_Digest(f, 16 + blen, f + 16 + blen, &mdlen, EVP_sha256(), NULL))
            abort();
        write_file(f, 16 + blen + 32);
        free(f);
    }
    struct sim_store s;
    memset(&s, 0, sizeof s);
    s.lock_fd = -1;
    s.pcap = 50000;
    s.tcap = 4096;
    s.dir = g_dir;
    s.dir_fd = g_dirfd;
    char err[512] = "";
    int rc = statefile_load(&s, err, sizeof err);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "statefile_load: %d %s (%zu objects)\n", rc, err, rc == 0 ? s.n : 0);
    if (rc < 0 && !err[0])
        abort(); /* a refusal names the file and the reason */
    if (rc == 0) {
        /* loaded: ids strictly ascending, every object reachable */
        for (size_t i = 0; i < s.n; i++) {
            if (i && s.objs[i]->id <= s.objs[i - 1]->id)
                abort();
            if (store_find(&s, s.objs[i]->id) != s.objs[i])
                abort();
        }
        (void)store_used(&s, false);
        (void)store_used(&s, true);
    }
    for (size_t i = 0; i < s.n; i++)
        sim_obj_free(s.objs[i]);
    free(s.objs);
    return 0;
}
