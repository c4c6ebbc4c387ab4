/* SPDX-License-Identifier: Apache-2.0 */
/* se05xd: one owner of the SE05x chip, many clients over JRCP v1 on a Unix
 * socket, an access list (docs/daemon.md, man page docs/man/se05xd.8.scd). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <se05x/se05x.h>

#include "se05xd.h"

int dlog_verbose;

void dlog(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (level == L_DEBUG && !dlog_verbose)
        return;
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    for (char *p = m; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    fprintf(stderr, "se05xd: %s: %s\n", names[level], m);
}

static const char usage[] =
    "Usage: se05xd --chip CONN [--listen unix:PATH] [--acl FILE] [options]\n"
    "       se05xd --status [--listen unix:PATH]\n"
    "Owns the SE05x link (plain or Platform SCP03) and serves JRCP v1 to local clients\n"
    "(EX_SSS_BOOT_SSS_PORT=unix:PATH or 'port = unix:PATH' in se05x.conf).\n"
    "  --chip CONN          the chip: /dev/i2c-1[:0x48], HOST:PORT, t1:HOST:PORT ...\n"
    "  --listen unix:PATH   the socket (default " SE05XD_LISTEN_DEFAULT ")\n"
    "  --acl FILE           access list: 'allow|deny <user|@group|*> <id|id-id|*> <ops>'\n"
    "  --auth MODE          none | auto | platform-scp03 (link to the chip)\n"
    "  --scp03-keys FILE    Platform SCP03 key file (readable only by the daemon)\n"
    "  --scp03-kvn HEX      key version (default 0B)\n"
    "  --socket-mode OCTAL  socket permissions (default 0660, 0666 with --acl)\n"
    "  --socket-group NAME  socket group (default: the daemon's group)\n"
    "  --lock-timeout MS    cut off a LOCK holder silent this long (default 5000)\n"
    "  --max-clients N      simultaneous clients (default 64)\n"
    "  --config FILE        configuration file (default " SE05XD_CONF_DEFAULT ")\n"
    "  --check              check the configuration and the access list, then exit\n"
    "  --status             print the state of the running daemon\n"
    "  -v, --verbose        debug messages\n"
    "  -h, --help, --version\n";

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"chip", required_argument, 0, 'c'},       {"listen", required_argument, 0, 'l'},
        {"acl", required_argument, 0, 'a'},        {"auth", required_argument, 0, 'A'},
        {"scp03-keys", required_argument, 0, 'k'}, {"scp03-kvn", required_argument, 0, 'K'},
        {"socket-mode", required_argument, 0, 'm'}, {"socket-group", required_argument, 0, 'g'},
        {"lock-timeout", required_argument, 0, 't'}, {"max-clients", required_argument, 0, 'n'},
        {"config", required_argument, 0, 'f'},     {"check", no_argument, 0, 'C'},
        {"status", no_argument, 0, 'S'},           {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},             {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    static const struct {
        int opt;
        const char *key;
    } map[] = {{'c', "chip"},       {'l', "listen"},       {'a', "acl"},
               {'A', "auth"},       {'k', "scp03_keys"},   {'K', "scp03_kvn"},
               {'m', "socket_mode"}, {'g', "socket_group"}, {'t', "lock_timeout_ms"},
               {'n', "max_clients"}};
    struct se05xd_opts o;
    se05xd_opts_defaults(&o);
    unsigned cli_set[SE05XD_CONF_NKEYS] = {0};
    const char *conf = NULL;
    bool check = false, status = false;
    char err[600];
    int ch;
    while ((ch = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
        const char *key = NULL;
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (map[i].opt == ch)
                key = map[i].key;
        if (key) {
            if (se05xd_conf_apply(&o, key, optarg, err, sizeof err)) {
                fprintf(stderr, "se05xd: --%s: %s\n", key, strchr(err, ':') + 2);
                return 2;
            }
            cli_set[se05xd_conf_key(key)] = 1;
            continue;
        }
        switch (ch) {
        case 'f': conf = optarg; break;
        case 'C': check = true; break;
        case 'S': status = true; break;
        case 'v': o.verbose = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        case 'V': printf("se05xd %s\n", se05x_version()); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "se05xd: unexpected argument '%s'\n%s", argv[optind], usage);
        return 2;
    }
    dlog_verbose = o.verbose;
    if (se05xd_conf_load(conf ? conf : SE05XD_CONF_DEFAULT, conf != NULL, &o, cli_set, err, sizeof err)) {
        fprintf(stderr, "se05xd: %s; refusing to start\n", err);
        return 1;
    }
    const char *path = o.listen + 5;
    if (status)
        return se05xd_status(path);
    if (!o.chip[0]) {
        fprintf(stderr, "se05xd: no chip given (--chip CONN or 'chip =' in the configuration)\n%s", usage);
        return 2;
    }
    struct acl acl = {0};
    bool have_acl = o.acl_path[0] != '\0';
    if (have_acl && acl_load(o.acl_path, &acl, err, sizeof err)) {
        fprintf(stderr, "se05xd: access list %s; refusing to start\n", err);
        return 1;
    }
    if (o.scp03_keys[0]) {
        /* the keys are the daemon's alone: no group or other access at all */
        struct stat st;
        int kfd = open(o.scp03_keys, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (kfd < 0 || fstat(kfd, &st) != 0 || (st.st_mode & 077)) {
            fprintf(stderr, "se05xd: SCP03 key file %s %s; refusing to start\n", o.scp03_keys,
                    kfd < 0 ? strerror(errno) : "is accessible by group or others (chmod 0400 or 0600)");
            if (kfd >= 0)
                close(kfd);
            acl_free(&acl);
            return 1;
        }
        close(kfd);
        struct se05x_error e = {0};
        if (se05x_scp03_keyfile_check(o.scp03_keys, &e) != SE05X_OK) {
            fprintf(stderr, "se05xd: %s; refusing to start\n", e.msg);
            acl_free(&acl);
            return 1;
        }
    }
    if (check) {
        printf("configuration OK: chip %s, listen %s, %s%s%s\n", o.chip, o.listen,
               have_acl ? "access list " : "no access list", have_acl ? o.acl_path : "",
               have_acl ? "" : " (every client that can open the socket has full access)");
        acl_free(&acl);
        return 0;
    }
    int mode = o.socket_mode >= 0 ? o.socket_mode : have_acl ? 0666 : 0660;
    gid_t gid = getegid();
    if (o.socket_group[0]) {
        struct group *g = getgrnam(o.socket_group);
        if (!g) {
            fprintf(stderr, "se05xd: unknown socket group '%s'\n", o.socket_group);
            acl_free(&acl);
            return 1;
        }
        gid = g->gr_gid;
    }
    int lock_fd = -1;
    bool activated = false;
    int lfd = se05xd_activated_fd();
    if (lfd >= 0) {
        activated = true;
        dlog(L_INFO, "using the socket passed by systemd (its permissions come from se05xd.socket)");
    } else {
        lfd = se05xd_listen(path, mode, gid, &lock_fd, err, sizeof err);
        if (lfd < 0) {
            fprintf(stderr, "se05xd: %s\n", err);
            acl_free(&acl);
            return 1;
        }
    }
    int rc = se05xd_serve(&o, lfd, path, have_acl ? &acl : NULL);
    close(lfd);
    if (!activated)
        unlink(path);
    if (lock_fd >= 0)
        close(lock_fd);
    acl_free(&acl);
    return rc;
}
