/* SPDX-License-Identifier: Apache-2.0 */
/* See server.h. */
#include "server.h"
#include "daemonize.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "jrcp.h"
#include "log.h"

struct conn {
    int fd;
    pthread_t th;
    char peer[80];
    struct server *srv;
    bool done;
    struct conn *next;
};

/* Beyond this many open connections new ones are refused (thread budget). */
#define MAX_CONNS 256

struct server {
    struct sim_card *card;
    const struct sim_server_cfg *cfg;
    struct jrcp_lock jlock;
    pthread_mutex_t m; /* guards conns */
    struct conn *conns;
};

static void *conn_main(void *arg)
{
    struct conn *cn = arg;
    struct server *s = cn->srv;
    struct sim_conn_stats st;
    uint8_t first;
    const char *proto = "jrcp";
    memset(&st, 0, sizeof st);
    ssize_t r;
    do
        r = recv(cn->fd, &first, 1, MSG_PEEK);
    while (r < 0 && errno == EINTR);
    if (r == 1) {
        if (first == 0x5A) {
            proto = "t1";
            sim_t1_serve(s->card, cn->fd, &s->cfg->t1, &st);
        } else if (first == 0xA5) {
            SIM_WARN("%s: JRCP v2 peer (first byte A5) is not supported (use JRCP v1 or T=1); "
                     "closing",
                     cn->peer);
        } else {
            jrcp_serve(s->card, cn->fd, cn->peer, &s->jlock, &st);
        }
        sim_card_report_conn(s->card, cn->peer, proto, &st);
    }
    shutdown(cn->fd, SHUT_RDWR);
    pthread_mutex_lock(&s->m);
    cn->done = true;
    pthread_mutex_unlock(&s->m);
    return NULL;
}

/* Joins finished connection threads; with all = true first wakes the others. */
static void reap(struct server *s, bool all)
{
    pthread_mutex_lock(&s->m);
    if (all)
        for (struct conn *c = s->conns; c; c = c->next)
            shutdown(c->fd, SHUT_RDWR);
    struct conn **pp = &s->conns;
    struct conn *finished = NULL;
    while (*pp) {
        struct conn *c = *pp;
        if (c->done || all) {
            *pp = c->next;
            c->next = finished;
            finished = c;
        } else {
            pp = &c->next;
        }
    }
    pthread_mutex_unlock(&s->m);
    while (finished) {
        struct conn *c = finished;
        finished = c->next;
        pthread_join(c->th, NULL);
        close(c->fd);
        free(c);
    }
}

static int listen_tcp(const struct sim_server_cfg *cfg, int *port_out)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char port[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%d", cfg->port);
    int rc = getaddrinfo(cfg->bind_addr, port, &hints, &ai);
    if (rc != 0) {
        SIM_ERR("cannot resolve bind address %s: %s", cfg->bind_addr, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        SIM_ERR("cannot listen on %s:%d: %s", cfg->bind_addr, cfg->port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* The unix socket: created with mode 0600 (umask set around bind, so it is
 * never reachable by others, not even for an instant), or with --socket-group
 * handed to that group with mode 0660. A stale socket of ours is replaced;
 * anything else at the path (a file, a symlink, another user's socket) is
 * refused. */
static int listen_unix(const char *path, bool set_group, gid_t gid)
{
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof sa.sun_path) {
        SIM_ERR("unix socket path too long: %s", path);
        return -1;
    }
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) { /* never remove something that is not a socket */
            SIM_ERR("cannot listen on unix socket %s: the path exists and is not a socket", path);
            return -1;
        }
        if (st.st_uid != geteuid()) {
            SIM_ERR("cannot listen on unix socket %s: the existing socket belongs to uid %u, not to the "
                    "running user (uid %u)",
                    path, (unsigned)st.st_uid, (unsigned)geteuid());
            return -1;
        }
        /* a stale socket of a previous run, unless a server still answers */
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
            return -1;
        bool in_use = connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
        close(probe);
        if (in_use) {
            SIM_ERR("unix socket %s is in use by another server", path);
            return -1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    mode_t old = umask(0177); /* single-threaded here: no connection thread runs yet */
    int b = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    int e = errno;
    umask(old);
    if (b != 0 || listen(fd, 64) != 0) {
        SIM_ERR("cannot listen on unix socket %s: %s", path, strerror(b != 0 ? e : errno));
        close(fd);
        return -1;
    }
    if (set_group) {
        /* the path must still be the socket we bound (owner, type) */
        if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid() ||
            lchown(path, (uid_t)-1, gid) != 0 || fchmodat(AT_FDCWD, path, 0660, 0) != 0) {
            SIM_ERR("cannot give unix socket %s to group %u with mode 0660: %s", path, (unsigned)gid, strerror(errno));
            close(fd);
            unlink(path);
            return -1;
        }
    }
    return fd;
}

/* Decimal port + newline, atomically: a temp file with a random name
 * created exclusively (never following a symlink), renamed over FILE. */
static int write_port_file(const char *path, int port)
{
    char tmp[4096], buf[16];
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp.%02x%02x%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5], rnd[6], rnd[7]);
    int n = snprintf(buf, sizeof buf, "%d\n", port);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, buf, (size_t)n) == n;
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        SIM_ERR("cannot write port file %s: %s", path, strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        return -1;
    }
    return 0;
}

static void accept_one(struct server *s, int lfd, bool tcp)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            SIM_WARN("cannot accept a connection: %s", strerror(errno));
            poll(NULL, 0, 50); /* do not spin while out of descriptors */
        }
        return;
    }
    size_t open_conns = 0;
    pthread_mutex_lock(&s->m);
    for (struct conn *c = s->conns; c; c = c->next)
        open_conns += !c->done;
    pthread_mutex_unlock(&s->m);
    struct conn *cn = open_conns < MAX_CONNS ? calloc(1, sizeof *cn) : NULL;
    if (!cn) {
        SIM_WARN("refusing a connection: %zu connections already open", open_conns);
        close(fd);
        return;
    }
    cn->fd = fd;
    cn->srv = s;
    if (tcp) {
        int one = 1;
        char host[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        snprintf(cn->peer, sizeof cn->peer, "%s:%d", host, port);
    } else {
        snprintf(cn->peer, sizeof cn->peer, "unix:%d", fd);
    }
    pthread_mutex_lock(&s->m);
    if (pthread_create(&cn->th, NULL, conn_main, cn) != 0) {
        pthread_mutex_unlock(&s->m);
        SIM_WARN("cannot start a thread for %s", cn->peer);
        close(fd);
        free(cn);
        return;
    }
    cn->next = s->conns;
    s->conns = cn;
    pthread_mutex_unlock(&s->m);
}

int sim_server_run(struct sim_card *card, const struct sim_server_cfg *cfg, int stop_fd)
{
    struct server s;
    int tfd = -1, ufd = -1, port = 0, rc = -1;
    memset(&s, 0, sizeof s);
    s.card = card;
    s.cfg = cfg;
    pthread_mutex_init(&s.m, NULL);
    pthread_mutex_init(&s.jlock.m, NULL);
    pthread_cond_init(&s.jlock.cv, NULL);
    if (cfg->port >= 0 && (tfd = listen_tcp(cfg, &port)) < 0)
        goto out;
    if (cfg->unix_path && (ufd = listen_unix(cfg->unix_path, cfg->socket_group, cfg->socket_gid)) < 0)
        goto out;
    if (tfd >= 0)
        SIM_INFO("listening on %s:%d (JRCP v1 and T=1)", cfg->bind_addr, port);
    if (ufd >= 0)
        SIM_INFO("listening on unix:%s (JRCP v1 and T=1)", cfg->unix_path);
    if (cfg->port_file && tfd >= 0 && write_port_file(cfg->port_file, port) != 0)
        goto out;
    sim_daemon_ready(cfg->ready_fd);
    for (;;) {
        struct pollfd p[3] = {{stop_fd, POLLIN, 0}, {tfd, POLLIN, 0}, {ufd, POLLIN, 0}};
        int r = poll(p, 3, 1000);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (p[0].revents & (POLLIN | POLLHUP)))
            break;
        if (r > 0 && (p[1].revents & POLLIN))
            accept_one(&s, tfd, true);
        if (r > 0 && (p[2].revents & POLLIN))
            accept_one(&s, ufd, false);
        reap(&s, false);
    }
    SIM_INFO("stopping");
    rc = 0;
out:
    if (tfd >= 0)
        close(tfd);
    if (ufd >= 0) {
        close(ufd);
        unlink(cfg->unix_path);
    }
    reap(&s, true);
    pthread_mutex_destroy(&s.m);
    pthread_mutex_destroy(&s.jlock.m);
    pthread_cond_destroy(&s.jlock.cv);
    return rc;
}
