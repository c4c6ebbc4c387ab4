/* SPDX-License-Identifier: Apache-2.0 */
/* se05xd internals shared by main.c, conf.c, listen.c and server.c. */
#ifndef SE05XD_H
#define SE05XD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acl.h"

#define SE05XD_CONF_DEFAULT "/etc/se05x/se05xd.conf"
#define SE05XD_LISTEN_DEFAULT "unix:/run/se05xd/se05xd.sock"

struct se05xd_opts {
    char chip[512];          /* connection string of the chip (lib form) */
    char listen[512];        /* unix:PATH */
    char acl_path[512];      /* "" = no list: every client has full access */
    char auth[32];           /* none | auto | platform-scp03 ("" = lib default) */
    char scp03_keys[512];
    int scp03_kvn;
    int socket_mode;         /* -1 = default (0660 without a list, 0666 with one) */
    char socket_group[64];   /* "" = the daemon's group */
    int lock_timeout_ms;     /* a LOCK holder silent this long is cut off */
    int max_clients;
    int verbose;
};

void se05xd_opts_defaults(struct se05xd_opts *o);
/* Reads the configuration file (strict; errors "FILE:LINE: why"). Keys the
 * command line set (set[] by key index, see conf.c) are not overwritten.
 * must_exist: a named --config file; the default path may be absent. */
int se05xd_conf_load(const char *path, bool must_exist, struct se05xd_opts *o, const unsigned *cli_set,
                     char *err, size_t cap);
/* Sets one option by its configuration key (command line); -1 with err. */
int se05xd_conf_apply(struct se05xd_opts *o, const char *key, const char *val, char *err, size_t cap);
/* Index of a configuration key for cli_set[], -1 if unknown. */
int se05xd_conf_key(const char *key);
#define SE05XD_CONF_NKEYS 10

/* Logging to stderr (the journal under systemd): "se05xd: LEVEL: msg". */
enum { L_ERR, L_WARN, L_INFO, L_DEBUG };
void dlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern int dlog_verbose; /* main.c sets it once before the server starts */

/* The listening socket (listen.c): checks and creates unix:PATH safely;
 * returns the fd or -1 with err set. lock_fd receives the held lock file. */
int se05xd_listen(const char *path, int mode, gid_t gid, int *lock_fd, char *err, size_t cap);
/* systemd socket activation: the inherited fd or -1. */
int se05xd_activated_fd(void);

/* Runs the server until SIGTERM/SIGINT. Returns the exit code. */
int se05xd_serve(const struct se05xd_opts *o, int listen_fd, const char *sock_path, const struct acl *acl);

/* --status: asks a running daemon (JRCP STATUS message) and prints it. */
int se05xd_status(const char *sock_path);

#endif
