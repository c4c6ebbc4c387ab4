/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-process serialisation of one bus (docs/t1oi2c.md "Several
 * processes, one bus"). An exclusive flock() on a lock file per bus is held
 * for each APDU exchange (or a whole multi-APDU transaction between the
 * link's begin/end). The file also holds a generation counter: a process
 * that takes the bus and finds the counter changed since it last held it
 * knows another process talked to the chip meanwhile and resynchronises its
 * T=1 state (S(RESYNCH)); in steady state one process pays nothing extra.
 *
 * Lock file: <dir>/se05x-<bus>.lock, <dir> = $SE05X_LOCK_DIR if set, else
 * SE05X_BUSLOCK_DIR; no other fallback. <bus> is e.g. "i2c-1-0x48" or
 * "t1-127.0.0.1-8050". The directory must be a real directory owned by root
 * or us, not writable by others, group-writable only by the device's group
 * or ours (a missing one is created by a root client). The file is opened
 * without following links and checked (regular, one link, owner, mode); a
 * new one is created exclusively with the device node's group and mode
 * (0600 | its group rw bits), 0660 with our group when the bus has no device
 * node (T=1 over TCP). An existing file's mode is never changed.
 * Internal to lib/. */
#ifndef SE05X_BUSLOCK_H
#define SE05X_BUSLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include <se05x/error.h>

#define SE05X_BUSLOCK_WAIT_MS 60000 /* longest wait for another process's exchange */
#define SE05X_BUSLOCK_DIR "/run/se05x" /* default lock directory (tmpfiles.d/se05x.conf) */

struct se05x_buslock {
    int fd;
    unsigned depth;   /* nesting of acquire calls in this handle */
    uint64_t my_gen;  /* generation we left in the file when we last held it */
    char path[512];
};

/* Opens (creates) the lock file of bus `id`. `dev` is the fstat() of the
 * bus's device node (its group and mode give the lock file's), NULL when the
 * bus has none. Does not lock. */
se05x_rc se05x_buslock_open(struct se05x_buslock *l, const char *id, const struct stat *dev,
                            struct se05x_error *err);
/* Takes the bus (nests). *others_used = true when another process held it
 * since this handle last did (or on the first acquire). Bounded wait. */
se05x_rc se05x_buslock_acquire(struct se05x_buslock *l, bool *others_used,
                               struct se05x_error *err);
void se05x_buslock_release(struct se05x_buslock *l);
void se05x_buslock_close(struct se05x_buslock *l);

#endif
