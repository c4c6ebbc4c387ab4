/* SPDX-License-Identifier: Apache-2.0 */
/* The se05xd event loop (docs/daemon.md): one thread, poll(2) over the
 * listening socket and the clients; the chip is reached through libse05x
 * (se05x_transceive, plain or Platform SCP03). JRCP v1 framing:
 * docs/protocol/transports.md §1. Every client message gets exactly one
 * reply; clients with a complete request are served round robin, one
 * message each per turn, so a flooding client cannot starve the others. */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <se05x/se05x.h>

#include "se05x_proto.h"
#include "se05xd.h"

#define MAX_PAYLOAD 4096             /* C-APDUs of the applet are < 1200 bytes */
#define MAX_SESSIONS 8               /* the chip has 2; room for stale entries */
#define MAX_TRACK 32                 /* objects created inside one transaction */
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000

struct client {
    int fd;
    struct acl_peer peer;
    char who[160];                   /* "uid 1000 (alice) gid 1000 pid 42" */
    uint8_t in[4 + MAX_PAYLOAD];
    size_t inlen, msglen;            /* buffered bytes; length of the ready message */
    bool ready;                      /* a whole message waits in in[] */
    uint8_t out[4 + MAX_PAYLOAD];
    size_t outlen, outoff;
    int64_t last_ms;                 /* last message or reply */
    uint64_t apdus, denied;
    /* the transaction it holds (LOCK): objects it created, for clean-up */
    uint32_t seen[MAX_TRACK], created[MAX_TRACK];
    unsigned nseen, ncreated;
};

struct session_entry {
    bool used;
    uint8_t sid[SE05X_SESSION_ID_LEN];
    struct client *owner;
};

struct server {
    const struct se05xd_opts *o;
    const struct acl *acl;
    int lfd;
    struct client **cl;
    int ncl, rr;
    struct client *lock_owner;
    struct session_entry sess[MAX_SESSIONS];
    se05x_session *chip;
    uint8_t atr[64];
    size_t atr_len;
    uint8_t select_rsp[9];
    size_t select_len;
    bool chip_ever;
    bool need_reselect;
    int64_t next_retry, retry_ms, last_try;
    bool down_logged;
    /* counters for STATUS */
    int64_t started_ms;
    uint64_t apdus, denied, reconnects, cutoffs, clients_total, cleanups, malformed;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

/* ---------- the chip ---------- */

static void chip_close(struct server *s, const char *why)
{
    if (!s->chip)
        return;
    dlog(L_WARN, "chip %s lost (%s); reconnecting when needed", s->o->chip, why);
    se05x_close(s->chip);
    s->chip = NULL;
    /* a new link (or a reset chip) has no applet sessions */
    for (int i = 0; i < MAX_SESSIONS; i++)
        s->sess[i].used = false;
    s->next_retry = 0;
    s->retry_ms = RETRY_MIN_MS;
}

static int auth_mode(const char *a)
{
    if (!a[0])
        return SE05X_AUTH_DEFAULT;
    if (!strcmp(a, "none"))
        return SE05X_AUTH_NONE;
    if (!strcmp(a, "platform-scp03"))
        return SE05X_AUTH_PLATFORM_SCP03;
    return SE05X_AUTH_AUTO;
}

/* Opens the chip (plain or Platform SCP03 per the options); true when up.
 * Failures are retried with a growing delay (RETRY_MIN_MS..RETRY_MAX_MS). */
static bool chip_up(struct server *s)
{
    if (s->chip)
        return true;
    int64_t t = now_ms();
    /* a client asking tries again after RETRY_MIN_MS, the timer after the back-off */
    if (t < s->next_retry && t < s->last_try + RETRY_MIN_MS)
        return false;
    s->last_try = t;
    struct se05x_open_opts oo = {0};
    oo.auth = auth_mode(s->o->auth);
    oo.scp03_keys = s->o->scp03_keys[0] ? s->o->scp03_keys : NULL;
    oo.scp03_kvn = s->o->scp03_kvn;
    struct se05x_error e = {0};
    se05x_rc rc = se05x_open(s->o->chip, &oo, &s->chip, &e);
    if (rc != SE05X_OK) {
        s->chip = NULL;
        if (!s->down_logged)
            dlog(L_ERR, "cannot open the chip %s: %s", s->o->chip, e.msg[0] ? e.msg : se05x_strerror(rc));
        s->down_logged = true;
        s->retry_ms = s->retry_ms ? s->retry_ms * 2 : RETRY_MIN_MS;
        if (s->retry_ms > RETRY_MAX_MS)
            s->retry_ms = RETRY_MAX_MS;
        s->next_retry = t + s->retry_ms;
        return false;
    }
    s->atr_len = se05x_atr(s->chip, s->atr, sizeof s->atr);
    if (s->atr_len > sizeof s->atr)
        s->atr_len = sizeof s->atr;
    /* The SELECT answer replayed to clients (docs/protocol/apdu.md §1.2). */
    const struct se05x_applet_info *a = se05x_applet(s->chip);
    s->select_rsp[0] = a->major;
    s->select_rsp[1] = a->minor;
    s->select_rsp[2] = a->patch;
    s->select_rsp[3] = (uint8_t)(a->config >> 8);
    s->select_rsp[4] = (uint8_t)a->config;
    s->select_rsp[5] = a->sb_major;
    s->select_rsp[6] = a->sb_minor;
    s->select_rsp[7] = 0x90;
    s->select_rsp[8] = 0x00;
    s->select_len = 9;
    if (s->chip_ever)
        s->reconnects++;
    dlog(L_INFO, "chip %s %s: applet %u.%u.%u, link %s", s->o->chip, s->chip_ever ? "reconnected" : "open",
         a->major, a->minor, a->patch, se05x_link_mode(s->chip));
    s->chip_ever = true;
    s->down_logged = false;
    s->need_reselect = false;
    s->retry_ms = 0;
    return true;
}

/* One exchange with the chip; false on a link failure (the chip is closed). */
static bool chip_xfer(struct server *s, const uint8_t *c, size_t n, uint8_t *r, size_t cap, size_t *rl)
{
    *rl = 0;
    if (!chip_up(s))
        return false;
    if (s->need_reselect && c[0] != SE05X_CLA_ISO && c[1] != 0xCA) { /* GET DATA goes to the card manager */
        /* a client SELECTed something else on a plain link: back to the applet */
        uint8_t sel[5 + SE05X_AID_LEN + 1] = {SE05X_CLA_ISO, SE05X_INS_SELECT, 0x04, 0x00, SE05X_AID_LEN};
        uint8_t tmp[300];
        size_t tl = 0;
        memcpy(sel + 5, SE05X_AID, SE05X_AID_LEN);
        if (se05x_transceive(s->chip, sel, sizeof sel, tmp, sizeof tmp, &tl) != SE05X_OK) {
            chip_close(s, se05x_errmsg(s->chip));
            return false;
        }
        s->need_reselect = false;
    }
    if (se05x_transceive(s->chip, c, n, r, cap, rl) != SE05X_OK) {
        char why[300];
        snprintf(why, sizeof why, "%s", se05x_errmsg(s->chip));
        chip_close(s, why);
        return false;
    }
    return true;
}

/* CheckObjectExists: 1 exists, 0 absent, -1 unknown. */
static int chip_exists(struct server *s, uint32_t id)
{
    uint8_t c[11] = {SE05X_CLA, SE05X_INS_MGMT, 0, SE05X_P2_EXIST, 6, SE05X_TAG_1, 4,
                     (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    uint8_t r[32];
    size_t rl = 0;
    if (!chip_xfer(s, c, sizeof c, r, sizeof r, &rl) || rl < 5 || be16(r + rl - 2) != SE05X_SW_OK)
        return -1;
    if (r[0] != SE05X_TAG_1)
        return -1;
    uint8_t v = r[1] == 0x82 && rl >= 7 ? r[4] : r[2];
    return v == SE05X_EXISTS_YES ? 1 : v == SE05X_EXISTS_NO ? 0 : -1;
}

static bool chip_delete(struct server *s, uint32_t id)
{
    uint8_t c[11] = {SE05X_CLA, SE05X_INS_MGMT, 0, SE05X_P2_DELETE_OBJECT, 6, SE05X_TAG_1, 4,
                     (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    uint8_t r[32];
    size_t rl = 0;
    return chip_xfer(s, c, sizeof c, r, sizeof r, &rl) && rl >= 2 && be16(r + rl - 2) == SE05X_SW_OK;
}

/* ---------- clients ---------- */

static void peer_identity(struct client *c, bool with_groups)
{
    struct ucred cr;
    socklen_t l = sizeof cr;
    memset(&c->peer, 0, sizeof c->peer);
    if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0) {
        c->peer.uid = cr.uid;
        c->peer.gid = cr.gid;
        c->peer.pid = cr.pid;
    } else {
        c->peer.uid = (uid_t)-1;
        c->peer.gid = (gid_t)-1;
    }
    char name[64] = "?";
    struct passwd pw, *pp = NULL;
    char buf[2048];
    if (getpwuid_r(c->peer.uid, &pw, buf, sizeof buf, &pp) == 0 && pp) {
        snprintf(name, sizeof name, "%s", pp->pw_name);
        if (with_groups) {
            int n = (int)(sizeof c->peer.groups / sizeof c->peer.groups[0]);
            if (getgrouplist(pp->pw_name, pp->pw_gid, c->peer.groups, &n) < 0)
                n = (int)(sizeof c->peer.groups / sizeof c->peer.groups[0]);
            c->peer.ngroups = n;
        }
    }
    snprintf(c->who, sizeof c->who, "uid %ld (%.40s) gid %ld pid %ld", (long)c->peer.uid, name, (long)c->peer.gid,
             (long)c->peer.pid);
}

static void send_close_session(struct server *s, const uint8_t sid[8])
{
    /* ProcessSessionCmd(sid, CloseSession 80 04 00 1C 00) - docs/protocol/apdu.md §3.4, §4.2 */
    uint8_t c[5 + 10 + 2 + 5] = {SE05X_CLA, SE05X_INS_PROCESS, 0, 0, 17, SE05X_TAG_SESSION_ID, 8};
    memcpy(c + 7, sid, 8);
    c[15] = SE05X_TAG_1;
    c[16] = 5;
    c[17] = SE05X_CLA;
    c[18] = SE05X_INS_MGMT;
    c[19] = 0;
    c[20] = 0x1C;
    c[21] = 0;
    uint8_t r[64];
    size_t rl = 0;
    if (s->chip)
        chip_xfer(s, c, sizeof c, r, sizeof r, &rl);
}

/* Drops a client: its transaction is rolled back (objects it created inside
 * the LOCK deleted), its applet sessions closed, the LOCK released. */
static void drop_client(struct server *s, int idx, const char *why)
{
    struct client *c = s->cl[idx];
    bool clean = why == NULL;
    if (!clean)
        dlog(L_WARN, "client %s dropped: %s", c->who, why);
    else
        dlog(L_DEBUG, "client %s closed", c->who);
    if (s->lock_owner == c) {
        if (!clean || c->ncreated) {
            for (unsigned i = 0; i < c->ncreated; i++) {
                bool ok = s->chip && chip_delete(s, c->created[i]);
                dlog(ok ? L_WARN : L_ERR, "transaction of %s interrupted: %s object 0x%08X it created", c->who,
                     ok ? "deleted" : "could not delete", c->created[i]);
                s->cleanups++;
            }
        }
        s->lock_owner = NULL;
    }
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (s->sess[i].used && s->sess[i].owner == c) {
            send_close_session(s, s->sess[i].sid);
            s->sess[i].used = false;
        }
    close(c->fd);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
    s->cl[idx] = s->cl[--s->ncl];
    s->cl[s->ncl] = NULL;
    if (s->rr >= s->ncl)
        s->rr = 0;
}

static void accept_clients(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (s->ncl >= s->o->max_clients) {
            dlog(L_WARN, "refusing a client: %d clients connected (max_clients)", s->ncl);
            close(fd);
            continue;
        }
        struct client *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->last_ms = now_ms();
        peer_identity(c, s->acl != NULL);
        s->cl[s->ncl++] = c;
        s->clients_total++;
        dlog(L_DEBUG, "client %s connected", c->who);
    }
}

/* Message types a client may send (docs/protocol/transports.md §1.2); others are malformed. */
static bool known_mty(uint8_t m)
{
    return m <= 0x07 || m == JRCP_MTY_LOCK || m == JRCP_MTY_UNLOCK || m == JRCP_MTY_SET_UINT32 ||
           m == JRCP_MTY_GET_UINT32 || m == JRCP_MTY_QUIT;
}

/* Checks the buffered header and marks a whole message ready; false = a
 * malformed header (why set), drop the client. */
static bool frame(struct server *s, struct client *c, const char **why)
{
    if (c->ready || c->inlen < 4)
        return true;
    if (c->in[0] == 0xA5) {
        s->malformed++;
        *why = "sent a JRCP v2 frame (0xA5); se05xd speaks JRCP v1 only";
        return false;
    }
    if (!known_mty(c->in[0]) || c->in[1] != 0) {
        s->malformed++;
        *why = "malformed JRCP v1 header (unknown message type or NAD not 00)";
        return false;
    }
    size_t len = ((size_t)c->in[2] << 8) | c->in[3];
    if (len > MAX_PAYLOAD) {
        s->malformed++;
        *why = "JRCP message longer than 4096 bytes";
        return false;
    }
    if (c->inlen >= 4 + len) {
        c->msglen = 4 + len;
        c->ready = true;
        c->last_ms = now_ms();
    }
    return true;
}

/* Reads what is there (one recv: usually the whole message); false = drop
 * the client. Bytes after the message (a client sending ahead) stay
 * buffered; nothing more is read while a whole message waits. A recv that
 * got less than it asked for emptied the socket: a partial message waits in
 * in[] for the next poll (no second recv to learn EAGAIN), so a client
 * sending half a frame costs the others nothing. */
static bool read_client(struct server *s, struct client *c, const char **why)
{
    while (!c->ready) {
        size_t room = sizeof c->in - c->inlen;
        ssize_t r = recv(c->fd, c->in + c->inlen, room, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (r <= 0) {
            *why = c->inlen ? "connection closed inside a message" : "connection closed without CLOSE";
            return false;
        }
        c->inlen += (size_t)r;
        if (!frame(s, c, why))
            return false;
        if ((size_t)r < room)
            return true;
    }
    return true;
}

/* The served message leaves the buffer; a following one may be whole already. */
static bool consume(struct server *s, struct client *c, const char **why)
{
    size_t rest = c->inlen - c->msglen;
    memmove(c->in, c->in + c->msglen, rest);
    OPENSSL_cleanse(c->in + rest, c->inlen - rest);
    c->inlen = rest;
    c->msglen = 0;
    c->ready = false;
    return frame(s, c, why);
}

static void reply(struct client *c, uint8_t mty, const uint8_t *p, size_t n)
{
    if (n > MAX_PAYLOAD)
        n = MAX_PAYLOAD;
    c->out[0] = mty;
    c->out[1] = 0;
    c->out[2] = (uint8_t)(n >> 8);
    c->out[3] = (uint8_t)n;
    if (n)
        memcpy(c->out + 4, p, n);
    c->outlen = 4 + n;
    c->outoff = 0;
    c->last_ms = now_ms();
}

/* Writes pending output; false = drop. */
static bool write_client(struct client *c)
{
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (w <= 0)
            return false;
        c->outoff += (size_t)w;
    }
    OPENSSL_cleanse(c->out, c->outlen);
    c->outlen = c->outoff = 0;
    return true;
}

static size_t status_text(struct server *s, char *buf, size_t cap)
{
    int64_t up = (now_ms() - s->started_ms) / 1000;
    const struct se05x_applet_info *a = s->chip ? se05x_applet(s->chip) : NULL;
    char lock[200] = "free";
    if (s->lock_owner)
        snprintf(lock, sizeof lock, "held by %s", s->lock_owner->who);
    int n = snprintf(buf, cap,
                     "server: se05xd %s\n"
                     "state: %s\n"
                     "chip: %s\n"
                     "link: %s\n"
                     "applet: %u.%u.%u\n"
                     "access list: %s\n"
                     "clients: %d\n"
                     "lock: %s\n"
                     "apdus: %llu\n"
                     "denied: %llu\n"
                     "reconnects: %llu\n"
                     "clients cut off: %llu\n"
                     "objects cleaned up: %llu\n"
                     "malformed messages: %llu\n"
                     "uptime: %lld s\n",
                     se05x_version(), s->chip ? "serving" : "chip unavailable", s->o->chip,
                     s->chip ? se05x_link_mode(s->chip) : "-", a ? a->major : 0, a ? a->minor : 0,
                     a ? a->patch : 0, s->acl ? s->o->acl_path : "none (every client may do everything)", s->ncl,
                     lock, (unsigned long long)s->apdus, (unsigned long long)s->denied,
                     (unsigned long long)s->reconnects, (unsigned long long)s->cutoffs,
                     (unsigned long long)s->cleanups, (unsigned long long)s->malformed, (long long)up);
    return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

static struct session_entry *session_find(struct server *s, const uint8_t sid[8])
{
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (s->sess[i].used && !memcmp(s->sess[i].sid, sid, 8))
            return &s->sess[i];
    return NULL;
}

static bool is_applet_select(const uint8_t *c, size_t n)
{
    if (n < 5 + SE05X_AID_MIN_LEN || c[0] != SE05X_CLA_ISO || c[1] != SE05X_INS_SELECT || c[2] != 0x04)
        return false;
    size_t lc = c[4];
    if (lc < SE05X_AID_MIN_LEN || lc > SE05X_AID_LEN || 5 + lc > n)
        return false;
    return !memcmp(c + 5, SE05X_AID, lc);
}

static void deny(struct server *s, struct client *c, const char *what, const struct acl_class *k, const char *why)
{
    static const uint8_t sw[2] = {0x69, 0x86}; /* SE05X_SW_NOT_ALLOWED: tools say "denied" */
    char id[24] = "";
    if (k && k->has_id)
        snprintf(id, sizeof id, " on 0x%08X", k->id);
    dlog(L_WARN, "denied: %s: %s%s (%s)%s%s", c->who, k ? acl_op_name(k->op) : "command", id, what,
         why ? ": " : "", why ? why : "");
    s->denied++;
    c->denied++;
    reply(c, JRCP_MTY_APDU_DATA, sw, sizeof sw);
}

/* One APDU of client c. false = drop the client (why set). */
static bool handle_apdu(struct server *s, struct client *c, const uint8_t *a, size_t n, const char **why)
{
    uint8_t r[4 + MAX_PAYLOAD];
    size_t rl = 0;
    if (n < 4) {
        static const uint8_t wl[2] = {0x67, 0x00};
        reply(c, JRCP_MTY_APDU_DATA, wl, sizeof wl);
        return true;
    }
    if (is_applet_select(a, n)) {
        if (!chip_up(s)) {
            *why = "the chip is unavailable";
            return false;
        }
        reply(c, JRCP_MTY_APDU_DATA, s->select_rsp, s->select_len);
        return true;
    }
    struct acl_class k;
    acl_classify(a, n, &k);
    uint8_t ins = a[1];
    if (a[0] == SE05X_CLA && (ins == 0x50 || ins == 0x82)) {
        deny(s, c, "GP INITIALIZE UPDATE/EXTERNAL AUTHENTICATE", &k,
             "Platform SCP03 is the daemon's; clients connect without keys");
        return true;
    }
    if (a[0] == SE05X_CLA_SCP) {
        deny(s, c, "CLA 84 outside an applet session", &k, "Platform SCP03 is the daemon's");
        return true;
    }
    bool process = a[0] == SE05X_CLA && (ins & SE05X_INS_MASK) == SE05X_INS_PROCESS;
    uint8_t sid[8];
    if (process) {
        struct session_entry *e = acl_session_id(a, n, sid) ? session_find(s, sid) : NULL;
        if (!e || e->owner != c) {
            deny(s, c, "ProcessSessionCmd", &k,
                 e ? "the applet session belongs to another client" : "unknown applet session");
            return true;
        }
    }
    if (s->acl) {
        unsigned line = 0;
        if (!acl_allows(s->acl, &c->peer, &k, &line)) {
            char m[96];
            if (line)
                snprintf(m, sizeof m, "rule at %.60s:%u", s->o->acl_path, line);
            else
                snprintf(m, sizeof m, "no rule allows it");
            deny(s, c, k.what, &k, m);
            return true;
        }
    }
    /* inside its LOCK: remember objects this transaction creates */
    if (s->lock_owner == c && !process && k.op == OP_WRITE && k.has_id) {
        bool seen = false;
        for (unsigned i = 0; i < c->nseen; i++)
            seen |= c->seen[i] == k.id;
        if (!seen && c->nseen < MAX_TRACK) {
            c->seen[c->nseen++] = k.id;
            int ex = chip_exists(s, k.id);
            if (ex == 0 && c->ncreated < MAX_TRACK)
                c->created[c->ncreated++] = k.id;
        }
    }
    if (!chip_xfer(s, a, n, r, sizeof r, &rl)) {
        *why = "the chip link failed during its command";
        return false;
    }
    s->apdus++;
    c->apdus++;
    if (a[0] == SE05X_CLA_ISO && ins == SE05X_INS_SELECT && strcmp(se05x_link_mode(s->chip), "plain") == 0)
        s->need_reselect = true; /* another application is selected now */
    uint16_t sw = rl >= 2 ? be16(r + rl - 2) : 0;
    /* applet sessions: CreateSession registers the id for this client,
     * CloseSession (inside the session) forgets it */
    if (sw == SE05X_SW_OK && a[0] == SE05X_CLA && ins == SE05X_INS_MGMT && a[3] == 0x1B && rl >= 12) {
        const uint8_t *v = NULL;
        if (r[0] == SE05X_TAG_1 && r[1] == 8)
            v = r + 2;
        else if (r[0] == SE05X_TAG_1 && r[1] == 0x82 && r[2] == 0 && r[3] == 8 && rl >= 14)
            v = r + 4;
        if (v) {
            struct session_entry *e = session_find(s, v);
            for (int i = 0; !e && i < MAX_SESSIONS; i++)
                if (!s->sess[i].used)
                    e = &s->sess[i];
            if (!e) /* table full: the oldest stale entry goes */
                e = &s->sess[0];
            e->used = true;
            memcpy(e->sid, v, 8);
            e->owner = c;
        }
    }
    if (process && sw == SE05X_SW_OK) {
        const uint8_t *in;
        size_t il;
        if (acl_inner(a, n, &in, &il) && il >= 4 && (in[1] & SE05X_INS_MASK) == SE05X_INS_MGMT && in[3] == 0x1C) {
            struct session_entry *e = session_find(s, sid);
            if (e)
                e->used = false;
        }
    }
    if (sw == SE05X_SW_OK && a[0] == SE05X_CLA && ins == SE05X_INS_MGMT && a[3] == SE05X_P2_DELETE_ALL)
        for (unsigned i = 0; s->lock_owner == c && i < c->ncreated; i++)
            c->created[i] = 0;
    reply(c, JRCP_MTY_APDU_DATA, r, rl);
    OPENSSL_cleanse(r, sizeof r);
    return true;
}

/* Acts on the ready message of client c when it may go now. Returns 1 served,
 * 0 must wait (another client holds the LOCK), -1 drop (why set). */
static int serve_one(struct server *s, struct client *c, const char **why)
{
    uint8_t mty = c->in[0];
    size_t len = c->msglen - 4;
    const uint8_t *p = c->in + 4;
    bool other_lock = s->lock_owner && s->lock_owner != c;
    switch (mty) {
    case JRCP_MTY_WAIT_FOR_CARD:
        if (!chip_up(s)) {
            *why = "the chip is unavailable";
            return -1;
        }
        reply(c, mty, s->atr, s->atr_len);
        break;
    case JRCP_MTY_APDU_DATA:
        if (other_lock)
            return 0;
        if (!handle_apdu(s, c, p, len, why))
            return -1;
        break;
    case JRCP_MTY_LOCK:
        if (other_lock)
            return 0;
        if (s->lock_owner != c) {
            c->nseen = c->ncreated = 0;
            s->lock_owner = c;
        }
        reply(c, mty, NULL, 0);
        break;
    case JRCP_MTY_UNLOCK:
        if (s->lock_owner == c) {
            s->lock_owner = NULL;
            c->nseen = c->ncreated = 0; /* committed */
        }
        reply(c, mty, NULL, 0);
        break;
    case JRCP_MTY_STATUS: {
        char t[1024];
        size_t n = status_text(s, t, sizeof t);
        reply(c, mty, (const uint8_t *)t, n);
        break;
    }
    case JRCP_MTY_TERMINAL_INFO: { /* one line: se05x_server_info(), `se05x info` */
        char t[200];
        int n = snprintf(t, sizeof t, "se05xd %s, chip link %s, %d client%s, %s", se05x_version(),
                         s->chip ? se05x_link_mode(s->chip) : "down", s->ncl, s->ncl == 1 ? "" : "s",
                         s->acl ? "access list" : "no access list");
        reply(c, mty, (const uint8_t *)t, n < 0 ? 0 : (size_t)n >= sizeof t ? sizeof t - 1 : (size_t)n);
        break;
    }
    case JRCP_MTY_ERROR_MSG:
    case JRCP_MTY_QUIT:
        *why = NULL;
        return -1; /* the client's CLOSE */
    default:
        reply(c, mty, NULL, 0);
        break;
    }
    return consume(s, c, why) ? 1 : -1;
}

int se05xd_serve(const struct se05xd_opts *o, int listen_fd, const char *sock_path, const struct acl *acl)
{
    struct server srv;
    struct server *s = &srv;
    memset(s, 0, sizeof *s);
    s->o = o;
    s->acl = acl;
    s->lfd = listen_fd;
    s->started_ms = now_ms();
    s->cl = calloc((size_t)o->max_clients + 1, sizeof *s->cl);
    struct pollfd *pf = calloc((size_t)o->max_clients + 1, sizeof *pf);
    if (!s->cl || !pf) {
        dlog(L_ERR, "out of memory");
        free(s->cl);
        free(pf);
        return 1;
    }
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &orig);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    chip_up(s); /* early, so that the first client does not wait; retried later */
    dlog(L_INFO, "serving JRCP v1 on unix:%s (%s)", sock_path,
         acl ? "access list" : "no access list: every client that can open the socket has full access");

    while (!g_stop) {
        int np = 0;
        pf[np++] = (struct pollfd){.fd = s->lfd, .events = s->ncl < o->max_clients ? POLLIN : 0};
        bool work = false;
        for (int i = 0; i < s->ncl; i++) {
            struct client *c = s->cl[i];
            short ev = 0;
            if (c->outlen)
                ev |= POLLOUT;
            else if (!c->ready)
                ev |= POLLIN;
            else if (!(s->lock_owner && s->lock_owner != c) || c->in[0] == JRCP_MTY_WAIT_FOR_CARD ||
                     c->in[0] == JRCP_MTY_STATUS || c->in[0] == JRCP_MTY_ERROR_MSG)
                work = true;
            pf[np++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        int timeout = -1;
        int64_t t = now_ms();
        if (work)
            timeout = 0;
        else if (s->lock_owner) {
            int64_t left = s->lock_owner->last_ms + o->lock_timeout_ms - t;
            timeout = left < 0 ? 0 : (int)left;
        }
        if (!work && !s->chip && s->chip_ever) { /* reconnect on our own, not only on demand */
            int64_t left = s->next_retry - t;
            int w = left < 0 ? 0 : left > RETRY_MAX_MS ? RETRY_MAX_MS : (int)left;
            if (timeout < 0 || w < timeout)
                timeout = w;
        }
        struct timespec ts, *tsp = NULL;
        if (timeout >= 0) {
            ts.tv_sec = timeout / 1000;
            ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
            tsp = &ts;
        }
        int r = ppoll(pf, (nfds_t)np, tsp, &orig);
        if (r < 0 && errno != EINTR) {
            dlog(L_ERR, "poll: %s", strerror(errno));
            break;
        }
        if (g_stop)
            break;
        if (r > 0 && (pf[0].revents & POLLIN))
            accept_clients(s);
        if (!s->chip && s->chip_ever && now_ms() >= s->next_retry && now_ms() >= s->last_try + RETRY_MIN_MS)
            chip_up(s);
        /* I/O: walk backwards so that dropping (swap with last) is safe;
         * pf[1 + i] belongs to cl[i] for the clients that existed at poll. */
        int polled = np - 1;
        for (int i = polled - 1; i >= 0; i--) {
            if (i >= s->ncl)
                continue;
            struct client *c = s->cl[i];
            short re = pf[1 + i].revents;
            const char *why = "connection error";
            if (re & POLLOUT) {
                if (!write_client(c)) {
                    drop_client(s, i, "cannot send to it");
                    continue;
                }
            }
            if (re & POLLIN) {
                if (!read_client(s, c, &why)) {
                    drop_client(s, i, why);
                    continue;
                }
            } else if (re & (POLLHUP | POLLERR)) {
                drop_client(s, i, c->inlen ? "connection closed inside a message" : "connection closed");
                continue;
            }
        }
        /* a LOCK holder that went silent is cut off */
        /* (one that does not read its answers counts as silent too) */
        if (s->lock_owner && !s->lock_owner->ready && now_ms() - s->lock_owner->last_ms >= o->lock_timeout_ms) {
            for (int i = 0; i < s->ncl; i++)
                if (s->cl[i] == s->lock_owner) {
                    char m[96];
                    snprintf(m, sizeof m, "silent for %d ms while holding the LOCK", o->lock_timeout_ms);
                    s->cutoffs++;
                    drop_client(s, i, m);
                    break;
                }
        }
        /* serve: every client with a whole message, one message each, round robin */
        int n0 = s->ncl;
        for (int k = 0; k < n0 && s->ncl > 0; k++) {
            int i = (s->rr + k) % s->ncl;
            struct client *c = s->cl[i];
            if (!c->ready || c->outlen)
                continue;
            const char *why = "error";
            int st = serve_one(s, c, &why);
            if (st < 0) {
                drop_client(s, i, why);
                continue;
            }
            if (st > 0 && !write_client(c))
                drop_client(s, i, "cannot send to it");
        }
        if (s->ncl)
            s->rr = (s->rr + 1) % s->ncl;
    }
    dlog(L_INFO, "stopping: %d client(s) connected", s->ncl);
    while (s->ncl)
        drop_client(s, s->ncl - 1, s->lock_owner == s->cl[s->ncl - 1] ? "daemon stopping" : NULL);
    if (s->chip)
        se05x_close(s->chip);
    free(s->cl);
    free(pf);
    return 0;
}

/* ---------- --status ---------- */

int se05xd_status(const char *sock_path)
{
    char conn[600];
    snprintf(conn, sizeof conn, "unix:%s", sock_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "se05xd: socket: %s\n", strerror(errno));
        return 1;
    }
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    if (strlen(sock_path) >= sizeof un.sun_path) {
        fprintf(stderr, "se05xd: socket path too long: %s\n", sock_path);
        close(fd);
        return 1;
    }
    strcpy(un.sun_path, sock_path);
    if (connect(fd, (struct sockaddr *)&un, sizeof un) != 0) {
        fprintf(stderr, "se05xd: no daemon at %s: %s\n", conn, strerror(errno));
        close(fd);
        return 1;
    }
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t req[4] = {JRCP_MTY_STATUS, 0, 0, 0};
    uint8_t bye[4] = {JRCP_MTY_ERROR_MSG, 0, 0, 0};
    uint8_t buf[4 + MAX_PAYLOAD + 1];
    size_t got = 0, need = 4;
    if (send(fd, req, sizeof req, MSG_NOSIGNAL) != (ssize_t)sizeof req)
        goto fail;
    while (got < need) {
        ssize_t r = recv(fd, buf + got, need - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        got += (size_t)r;
        if (got == 4) {
            if (buf[0] != JRCP_MTY_STATUS)
                goto fail;
            need = 4 + (((size_t)buf[2] << 8) | buf[3]);
            if (need > sizeof buf - 1)
                goto fail;
        }
    }
    if (need == 4)
        goto fail; /* not se05xd: an empty STATUS answer */
    send(fd, bye, sizeof bye, MSG_NOSIGNAL);
    close(fd);
    buf[need] = '\0';
    for (size_t i = 4; i < need; i++)
        if ((buf[i] < 0x20 && buf[i] != '\n') || buf[i] > 0x7E)
            buf[i] = '?';
    fputs((const char *)buf + 4, stdout);
    return 0;
fail:
    fprintf(stderr, "se05xd: %s did not answer a JRCP STATUS request like se05xd\n", conn);
    close(fd);
    return 1;
}
