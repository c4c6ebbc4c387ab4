/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 over I2C, card side (docs/protocol/t1oi2c.md §4, §6-§8): the emulator
 * acting as the chip on the wire for one connection (raw T=1 blocks over a
 * stream socket, SE050Sim convention). Rules, where the spec leaves a choice:
 *  - bad block (CRC, LEN, NAD, PCB, truncated)    -> R(N(R)=expected, err 1)
 *  - I-block with the wrong N(S)                 -> R(N(R)=expected, err 2)
 *  - R-block: while chaining a response, N(R) = N(S) of our last I-block
 *    asks for it again, the other value acknowledges it (next chunk); else
 *    our last I-block is resent when N(R) names it, else our last R-block is
 *    resent, otherwise R(N(R)=expected) tells the host to resend its block
 *  - a command runs in a worker thread; while it runs, S(WTX) requests go
 *    out every 0.6 BWT and a host R-block is answered with S(WTX)
 * Each connection has its own T=1 state (as SE050Sim) unless
 * SE05X_SIM_T1_BUS=shared; the card behind it is shared. */
#include "t1_responder.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include "log.h"
#include "t1_frame.h"
#include "timing.h"

#define CMD_MAX 65552
#define RSP_MAX 65538
#define BODY_WAIT_MS 1000

enum last_kind { LAST_NONE, LAST_I, LAST_R, LAST_S };

/* T=1 protocol state of the card side: one per connection, or one for all
 * connections in the shared-bus mode (SE05X_SIM_T1_BUS=shared). */
struct t1s {
    uint8_t exp_ns; /* N(S) expected on the host's next I-block */
    uint8_t ns;     /* N(S) of our next I-block */
    unsigned ifsd;  /* max INF we send (S(IFS) may lower it) */
    uint8_t last[T1_MAX_BLOCK];
    size_t last_len;
    enum last_kind last_kind;
    uint8_t last_i[T1_MAX_BLOCK];
    size_t last_i_len;
    uint8_t last_i_ns;
    bool have_last_i;
    uint8_t *cmd;
    size_t cmd_len;
    bool cmd_overflow;
    uint8_t *rsp;
    size_t rsp_len, rsp_off;
    bool chaining_out;
};

struct job {
    struct sim_card *card;
    const uint8_t *capdu;
    size_t clen;
    uint8_t *rsp;
    size_t rcap, rlen;
    int64_t not_before;
};

/* One worker thread per connection, started on its first command: it runs
 * the command (and the configured latency) while the connection thread
 * keeps talking WTX with the host; completion is signalled on an eventfd
 * the connection thread polls together with the socket. */
struct worker {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *job; /* pending, NULL when idle */
    bool quit;
    bool started;
    int efd;
};

struct t1c {
    struct sim_card *card;
    int fd;
    struct sim_conn_stats *st;
    struct sim_timing timing;
    struct sim_faults faults;
    uint8_t atr[64];
    size_t atr_len;
    bool dead; /* peer gone */
    struct t1s *p;
    struct worker worker;
    /* buffer mode (fd < 0): the blocks the card sends go here */
    uint8_t *out;
    size_t out_cap, out_len;
};

static atomic_uint conn_counter;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(struct t1c *c, const uint8_t *blk, size_t n)
{
    uint8_t buf[T1_MAX_BLOCK];
    if (c->dead)
        return;
    if (c->fd < 0) { /* buffer mode (sim_t1_process_block) */
        size_t k = n < c->out_cap - c->out_len ? n : c->out_cap - c->out_len;
        if (k)
            memcpy(c->out + c->out_len, blk, k);
        c->out_len += k;
        c->st->frames_tx++;
        c->st->wire_tx_bytes += n;
        return;
    }
    memcpy(buf, blk, n);
    enum sim_fault k = sim_faults_pick(&c->faults);
    if (k != SIM_FAULT_NONE) {
        SIM_DBG("t1: fault injected on SE->host block %02X: %s", blk[1], sim_fault_name(k));
        sim_faults_apply(&c->faults, k, buf, &n);
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(c->fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            c->dead = true;
            return;
        }
        off += (size_t)w;
    }
    if (n) {
        c->st->frames_tx++;
        c->st->wire_tx_bytes += n;
    }
}

static void send_block(struct t1c *c, uint8_t pcb, const uint8_t *inf, size_t len)
{
    size_t n = t1_encode(c->p->last, sizeof(c->p->last), T1_NAD_SE, pcb, inf, len);
    if (!n)
        return;
    c->p->last_len = n;
    struct t1_block b;
    memset(&b, 0, sizeof(b));
    t1_decode_pcb(pcb, &b);
    c->p->last_kind = b.kind == T1_I ? LAST_I : b.kind == T1_R ? LAST_R : LAST_S;
    if (b.kind == T1_I) {
        memcpy(c->p->last_i, c->p->last, n);
        c->p->last_i_len = n;
        c->p->last_i_ns = b.ns;
        c->p->have_last_i = true;
    }
    emit(c, c->p->last, n);
}

static void send_r(struct t1c *c, uint8_t err)
{
    send_block(c, t1_pcb_r(c->p->exp_ns, err), NULL, 0);
}

static void reset_seq(struct t1c *c)
{
    c->p->exp_ns = 0;
    c->p->ns = 0;
    c->p->cmd_len = 0;
    c->p->cmd_overflow = false;
    c->p->chaining_out = false;
    c->p->have_last_i = false;
    c->p->last_kind = LAST_NONE;
}

/* Reads exactly n bytes within ms. 1 ok, 0 timeout/short, -1 peer gone. */
static int read_n(struct t1c *c, uint8_t *buf, size_t n, int ms)
{
    int64_t deadline = now_ms() + ms;
    size_t got = 0;
    while (got < n) {
        int left = ms < 0 ? -1 : (int)(deadline - now_ms());
        if (ms >= 0 && left < 0)
            left = 0;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&p, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return -1;
        if (pr == 0)
            return 0;
        ssize_t r = recv(c->fd, buf + got, n - got, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 1;
}

static void drain(struct t1c *c)
{
    uint8_t junk[512];
    for (int i = 0; i < 64; i++) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 10) <= 0)
            return;
        if (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
            return;
    }
}

enum rx { RX_OK, RX_BAD, RX_DROPPED, RX_TIMEOUT, RX_GONE };
static enum rx check_block(struct t1c *c, uint8_t *buf, size_t n, struct t1_block *b);

/* Reads one host block (waiting up to wait_ms for it, -1 = forever), then
 * applies the host->SE fault, if any, to what was read. */
static enum rx recv_block(struct t1c *c, uint8_t *buf, struct t1_block *b, int wait_ms)
{
    int r = read_n(c, buf, T1_HDR_LEN, wait_ms);
    if (r < 0)
        return RX_GONE;
    if (r == 0)
        return RX_TIMEOUT;
    size_t n = T1_HDR_LEN;
    if (buf[0] != T1_NAD_HOST || buf[2] > T1_MAX_INF) {
        SIM_DBG("t1: garbage header %02X %02X %02X", buf[0], buf[1], buf[2]);
        drain(c);
        c->st->frames_rx++;
        c->st->wire_rx_bytes += n;
        return RX_BAD;
    }
    r = read_n(c, buf + n, (size_t)buf[2] + T1_CRC_LEN, BODY_WAIT_MS);
    if (r < 0)
        return RX_GONE;
    if (r == 0) {
        SIM_DBG("t1: truncated block from host");
        return RX_BAD;
    }
    n += (size_t)buf[2] + T1_CRC_LEN;
    return check_block(c, buf, n, b);
}

/* A whole block read (n bytes in buf): counters, the host->SE fault, decoding. */
static enum rx check_block(struct t1c *c, uint8_t *buf, size_t n, struct t1_block *b)
{
    c->st->frames_rx++;
    c->st->wire_rx_bytes += n;
    enum sim_fault k = sim_faults_pick(&c->faults);
    if (k != SIM_FAULT_NONE) {
        SIM_DBG("t1: fault injected on host->SE block %02X: %s", buf[1], sim_fault_name(k));
        sim_faults_apply(&c->faults, k, buf, &n);
        if (!n)
            return RX_DROPPED;
    }
    enum t1_parse_rc prc = t1_decode(buf, n, T1_NAD_HOST, b);
    if (prc != T1_PARSE_OK) {
        SIM_DBG("t1: bad block from host: %s", t1_parse_str(prc));
        return RX_BAD;
    }
    return RX_OK;
}

/* ---- command execution with WTX ---- */


static void run_job(struct job *j)
{
    j->rlen = sim_card_apdu(j->card, j->capdu, j->clen, j->rsp, j->rcap);
    int64_t left = j->not_before - now_ms();
    if (left > 0) {
        struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->job && !w->quit)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->quit)
            break;
        struct job *j = w->job;
        w->job = NULL;
        pthread_mutex_unlock(&w->mu);
        run_job(j);
        uint64_t one = 1;
        (void)!write(w->efd, &one, sizeof(one));
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static bool worker_start(struct worker *w)
{
    if (w->started)
        return true;
    w->efd = eventfd(0, EFD_CLOEXEC);
    if (w->efd < 0)
        return false;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->job = NULL;
    w->quit = false;
    if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        close(w->efd);
        return false;
    }
    w->started = true;
    return true;
}

static void worker_stop(struct worker *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->quit = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    close(w->efd);
    w->started = false;
}

/* Runs the collected command; keeps the host informed with S(WTX) while it
 * runs. Leaves the answer in c->p->rsp. */
static void execute(struct t1c *c)
{
    uint8_t buf[T1_MAX_BLOCK];
    struct t1_block b;
    unsigned lat = sim_timing_latency(&c->timing, c->p->cmd, c->p->cmd_len);
    struct job j = {.card = c->card, .capdu = c->p->cmd, .clen = c->p->cmd_len, .rsp = c->p->rsp,
                    .rcap = RSP_MAX, .not_before = now_ms() + lat};
    struct worker *w = &c->worker;

    if (c->p->cmd_overflow) {
        c->p->rsp[0] = 0x67; /* wrong length */
        c->p->rsp[1] = 0x00;
        c->p->rsp_len = 2;
        return;
    }
    if (c->fd < 0 || !worker_start(w)) { /* buffer mode: synchronous, no WTX */
        run_job(&j);
        c->p->rsp_len = j.rlen;
        return;
    }
    pthread_mutex_lock(&w->mu);
    w->job = &j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    int period = (int)(c->timing.bwt_ms * 6 / 10);
    if (period < 5)
        period = 5;
    int64_t next_wtx = now_ms() + period;
    static const uint8_t one = 0x01;
    for (;;) {
        int64_t left = next_wtx - now_ms();
        struct pollfd p[2] = {{.fd = w->efd, .events = POLLIN},
                              {.fd = c->fd, .events = c->dead ? 0 : POLLIN}};
        int pr = poll(p, 2, left > 0 ? (int)left : 0);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr > 0 && (p[0].revents & POLLIN))
            break;
        if (pr == 0) {
            SIM_DBG("t1: %s still running: S(WTX)", sim_timing_class_name(c->p->cmd, c->p->cmd_len));
            send_block(c, t1_pcb_s(T1_S_WTX, false), &one, 1);
            next_wtx = now_ms() + period;
            continue;
        }
        if (pr < 0 || c->dead) {
            /* nothing left to do but wait for the worker */
            struct pollfd q = {.fd = w->efd, .events = POLLIN};
            poll(&q, 1, -1);
            break;
        }
        enum rx r = recv_block(c, buf, &b, 200);
        if (r == RX_GONE) {
            c->dead = true;
            continue;
        }
        if (r == RX_OK && b.kind == T1_S && b.response && b.stype == T1_S_WTX)
            continue; /* the host's answer to our WTX */
        if (r == RX_OK || r == RX_BAD) {
            /* host impatient or a block lost: "still busy" */
            if (c->p->last_kind == LAST_S && c->p->last_len == 6 && c->p->last[1] == t1_pcb_s(T1_S_WTX, false))
                emit(c, c->p->last, c->p->last_len);
            else
                send_block(c, t1_pcb_s(T1_S_WTX, false), &one, 1);
            next_wtx = now_ms() + period;
        }
    }
    uint64_t done;
    (void)!read(w->efd, &done, sizeof(done)); /* re-arm */
    c->p->rsp_len = j.rlen;
}

static void send_chunk(struct t1c *c)
{
    size_t chunk = c->p->rsp_len - c->p->rsp_off;
    if (chunk > c->p->ifsd)
        chunk = c->p->ifsd;
    bool more = c->p->rsp_off + chunk < c->p->rsp_len;
    uint8_t ns = c->p->ns;
    c->p->ns ^= 1;
    send_block(c, t1_pcb_i(ns, more), c->p->rsp + c->p->rsp_off, chunk);
    c->p->rsp_off += chunk;
    c->p->chaining_out = more;
}

static void on_i_block(struct t1c *c, const struct t1_block *b)
{
    if (b->ns != c->p->exp_ns) {
        SIM_DBG("t1: I-block N(S)=%u, expected %u", b->ns, c->p->exp_ns);
        send_r(c, T1_R_OTHER);
        return;
    }
    c->p->exp_ns ^= 1;
    c->p->chaining_out = false;
    if (c->p->cmd_len + b->len > CMD_MAX)
        c->p->cmd_overflow = true;
    else {
        memcpy(c->p->cmd + c->p->cmd_len, b->inf, b->len);
        c->p->cmd_len += b->len;
    }
    if (b->more) {
        send_r(c, T1_R_OK);
        return;
    }
    execute(c);
    c->st->apdus++;
    c->st->writes += sim_apdu_is_write(c->p->cmd, c->p->cmd_len);
    c->st->apdu_rx_bytes += c->p->cmd_len;
    c->st->apdu_tx_bytes += c->p->rsp_len;
    c->p->cmd_len = 0;
    c->p->cmd_overflow = false;
    c->p->rsp_off = 0;
    send_chunk(c);
}

static void on_r_block(struct t1c *c, const struct t1_block *b)
{
    if (c->p->chaining_out) {
        if (b->nr == c->p->last_i_ns)
            emit(c, c->p->last_i, c->p->last_i_len);
        else
            send_chunk(c);
        return;
    }
    /* N(R) naming our last I-block: the host missed it (even if an R-block
     * of ours went out since, e.g. R(err) to a corrupted host R-block) */
    if (c->p->have_last_i && b->nr == c->p->last_i_ns)
        emit(c, c->p->last_i, c->p->last_i_len);
    else if (c->p->last_kind == LAST_R)
        emit(c, c->p->last, c->p->last_len);
    else
        send_r(c, T1_R_OK);
}

static void on_s_block(struct t1c *c, const struct t1_block *b)
{
    if (b->response) /* a late WTX answer: nothing to do */
        return;
    switch (b->stype) {
    case T1_S_RESYNCH:
        reset_seq(c);
        send_block(c, t1_pcb_s(T1_S_RESYNCH, true), NULL, 0);
        return;
    case T1_S_IFS:
        if (b->len != 1 || b->inf[0] == 0 || b->inf[0] > T1_MAX_INF) {
            send_r(c, T1_R_OTHER);
            return;
        }
        c->p->ifsd = b->inf[0];
        send_block(c, t1_pcb_s(T1_S_IFS, true), b->inf, 1);
        return;
    case T1_S_ABORT:
        c->p->cmd_len = 0;
        c->p->cmd_overflow = false;
        c->p->chaining_out = false;
        send_block(c, t1_pcb_s(T1_S_ABORT, true), NULL, 0);
        return;
    case T1_S_END_APDU_SESSION:
        sim_card_end_apdu_session(c->card);
        send_block(c, t1_pcb_s(T1_S_END_APDU_SESSION, true), NULL, 0);
        return;
    case T1_S_CHIP_RESET:
        sim_card_chip_reset(c->card);
        reset_seq(c);
        send_block(c, t1_pcb_s(T1_S_CHIP_RESET, true), NULL, 0);
        return;
    case T1_S_GET_ATR:
        send_block(c, t1_pcb_s(T1_S_GET_ATR, true), c->atr, c->atr_len);
        return;
    case T1_S_SOFT_RESET:
        reset_seq(c);
        send_block(c, t1_pcb_s(T1_S_SOFT_RESET, true), c->atr, c->atr_len);
        return;
    default:
        SIM_DBG("t1: unsupported S-block request %02X", b->pcb);
        send_r(c, T1_R_OTHER);
    }
}

/* Shared-bus mode (SE05X_SIM_T1_BUS=shared): every T=1 connection talks to
 * the same card-side T=1 state, as processes sharing one I2C bus talk to
 * one chip; a process that does not resynchronise after another used the
 * bus meets stale sequence numbers. The state lives as long as the process. */
static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static struct t1s *shared_state;

static struct t1s *t1s_new(void)
{
    struct t1s *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->cmd = malloc(CMD_MAX);
    p->rsp = malloc(RSP_MAX);
    if (!p->cmd || !p->rsp) {
        free(p->cmd);
        free(p->rsp);
        free(p);
        return NULL;
    }
    p->ifsd = T1_MAX_INF;
    return p;
}

static void t1s_free(struct t1s *p)
{
    if (!p)
        return;
    free(p->cmd);
    free(p->rsp);
    free(p);
}

/* --t1-bus shared, or SE05X_SIM_T1_BUS=shared in the environment. */
static bool shared_bus(const struct sim_t1_cfg *cfg)
{
    const char *e = getenv("SE05X_SIM_T1_BUS");
    return (cfg && cfg->shared_bus) || (e && !strcmp(e, "shared"));
}

static void on_block(struct t1c *c, enum rx r, const struct t1_block *b)
{
    if (r == RX_BAD)
        send_r(c, T1_R_EDC);
    else if (b->kind == T1_I)
        on_i_block(c, b);
    else if (b->kind == T1_R)
        on_r_block(c, b);
    else
        on_s_block(c, b);
}

struct sim_t1_conn {
    struct t1c c;
};

struct sim_t1_conn *sim_t1_conn_new(struct sim_card *card, struct sim_conn_stats *st)
{
    struct sim_t1_conn *k = calloc(1, sizeof(*k));
    size_t alen = 0;
    const uint8_t *atr = sim_card_atr(card, &alen);
    if (!k || !atr || alen > sizeof(k->c.atr) || alen < 11) {
        free(k);
        return NULL;
    }
    struct t1c *c = &k->c;
    c->card = card;
    c->fd = -1;
    c->st = st;
    char err[160];
    if (sim_timing_parse(NULL, &c->timing, err, sizeof(err)) != 0 || !(c->p = t1s_new())) {
        free(k);
        return NULL;
    }
    sim_faults_init(&c->faults, 0, 0);
    memcpy(c->atr, atr, alen);
    c->atr_len = alen;
    c->atr[7] = (uint8_t)(c->timing.bwt_ms >> 8);
    c->atr[8] = (uint8_t)c->timing.bwt_ms;
    reset_seq(c);
    return k;
}

size_t sim_t1_process_block(struct sim_t1_conn *k, const uint8_t *blk, size_t n, uint8_t *out,
                            size_t cap)
{
    struct t1c *c = &k->c;
    uint8_t buf[T1_MAX_BLOCK];
    struct t1_block b;
    enum rx r = RX_BAD;
    memset(&b, 0, sizeof(b));
    c->out = out;
    c->out_cap = out ? cap : 0;
    c->out_len = 0;
    /* the checks recv_block makes while reading, on a buffer */
    if (n >= T1_HDR_LEN && blk[0] == T1_NAD_HOST && blk[2] <= T1_MAX_INF &&
        n >= T1_HDR_LEN + (size_t)blk[2] + T1_CRC_LEN) {
        size_t len = T1_HDR_LEN + (size_t)blk[2] + T1_CRC_LEN;
        memcpy(buf, blk, len);
        r = check_block(c, buf, len, &b);
    } else {
        c->st->frames_rx++;
        c->st->wire_rx_bytes += n;
    }
    if (r != RX_DROPPED)
        on_block(c, r, &b);
    size_t got = c->out_len;
    c->out = NULL;
    c->out_cap = c->out_len = 0;
    return got;
}

void sim_t1_conn_free(struct sim_t1_conn *k)
{
    if (!k)
        return;
    t1s_free(k->c.p);
    free(k);
}

void sim_t1_serve(struct sim_card *card, int fd, const struct sim_t1_cfg *cfg,
                  struct sim_conn_stats *st)
{
    struct t1c *c = calloc(1, sizeof(*c));
    char err[160];
    pthread_mutex_t *mu = NULL;
    if (!c)
        return;
    c->card = card;
    c->fd = fd;
    c->st = st;
    if (sim_timing_parse(cfg ? cfg->timing : NULL, &c->timing, err, sizeof(err)) != 0) {
        SIM_ERR("t1: %s: connection refused", err);
        free(c);
        return;
    }
    unsigned idx = atomic_fetch_add(&conn_counter, 1);
    sim_faults_init(&c->faults, cfg ? cfg->fault_rate : 0,
                    (uint64_t)(cfg ? cfg->fault_seed : 0) + idx);
    size_t alen = 0;
    const uint8_t *atr = sim_card_atr(card, &alen);
    if (!atr || alen > sizeof(c->atr) || alen < 11) {
        SIM_ERR("t1: card has no usable ATR");
        free(c);
        return;
    }
    memcpy(c->atr, atr, alen);
    c->atr_len = alen;
    /* advertise the configured BWT (docs/protocol/t1oi2c.md §9 offsets 7-8) */
    c->atr[7] = (uint8_t)(c->timing.bwt_ms >> 8);
    c->atr[8] = (uint8_t)c->timing.bwt_ms;
    if (shared_bus(cfg)) {
        mu = &shared_mu;
        pthread_mutex_lock(mu);
        if (!shared_state && (shared_state = t1s_new()) != NULL) {
            c->p = shared_state;
            reset_seq(c);
        }
        c->p = shared_state;
        pthread_mutex_unlock(mu);
    } else {
        c->p = t1s_new();
        if (c->p)
            reset_seq(c);
    }
    if (!c->p) {
        SIM_ERR("t1: out of memory");
        free(c);
        return;
    }

    uint8_t buf[T1_MAX_BLOCK];
    struct t1_block b;
    while (!c->dead) {
        enum rx r = recv_block(c, buf, &b, -1);
        if (r == RX_GONE || r == RX_TIMEOUT)
            break;
        if (r == RX_DROPPED)
            continue;
        if (mu)
            pthread_mutex_lock(mu);
        on_block(c, r, &b);
        if (mu)
            pthread_mutex_unlock(mu);
    }
    if (c->faults.rate > 0)
        SIM_INFO("t1: connection closed; faults injected: %llu corrupted, %llu truncated, "
                 "%llu dropped",
                 (unsigned long long)c->faults.count[SIM_FAULT_CORRUPT],
                 (unsigned long long)c->faults.count[SIM_FAULT_TRUNCATE],
                 (unsigned long long)c->faults.count[SIM_FAULT_DROP]);
    worker_stop(&c->worker);
    if (!mu)
        t1s_free(c->p);
    free(c);
}
