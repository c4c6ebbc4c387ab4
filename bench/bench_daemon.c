/* SPDX-License-Identifier: Apache-2.0 */
/* se05xd overhead (docs/daemon.md "Performance"): starts an emulator and a
 * daemon in front of it (both from the directory of this program, or
 * $SE05X_BIN), then
 *   1. latency per APDU (GetVersion) of one client talking JRCP to the
 *      emulator directly and through the daemon, 5 interleaved rounds, best
 *      and median; the difference is what the daemon adds (target < 50 us),
 *      and the daemon's own CPU time per APDU (/proc/PID/schedstat);
 *   2. throughput with 1, 8 and 32 concurrent clients (one session and one
 *      thread each), directly and through the daemon.
 * Usage: bench_daemon [APDUS_PER_ROUND]   (default 2000)
 *        bench_daemon --loop CONN N        (N GetVersion on CONN, nothing
 *        else: for counting syscalls per APDU with strace -c, see
 *        bench/strace_daemon.sh) */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <se05x/se05x.h>

#include "timing.h"

static const uint8_t GETVERSION[] = {0x80, 0x04, 0x00, 0x20, 0x00};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t p = fork();
    if (p == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    return p;
}

static int wait_file(const char *path)
{
    for (int i = 0; i < 400; i++) {
        struct stat st;
        if (stat(path, &st) == 0 && st.st_size > 0)
            return 0;
        usleep(25000);
    }
    return -1;
}

static int wait_sock(const char *path)
{
    for (int i = 0; i < 400; i++) {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        snprintf(un.sun_path, sizeof un.sun_path, "%s", path);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof un) == 0) {
            close(fd);
            return 0;
        }
        if (fd >= 0)
            close(fd);
        usleep(25000);
    }
    return -1;
}

/* Mean seconds per APDU over n GetVersion exchanges on s. */
static double per_apdu(se05x_session *s, int n)
{
    uint8_t r[64];
    size_t rl;
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        if (se05x_transceive(s, GETVERSION, sizeof GETVERSION, r, sizeof r, &rl) != SE05X_OK) {
            fprintf(stderr, "bench_daemon: APDU failed: %s\n", se05x_errmsg(s));
            exit(1);
        }
    return (now_s() - t0) / n;
}

static double minof(const double *v, int k)
{
    double m = v[0];
    for (int i = 1; i < k; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double median(const double *v, int k)
{
    double t[16];
    memcpy(t, v, sizeof *v * (size_t)k);
    qsort(t, (size_t)k, sizeof *t, bench_cmp_double);
    return k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
}

/* CPU time (ns) process pid has run so far (/proc/PID/schedstat, field 1). */
static double cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    FILE *f = fopen(path, "r");
    double v = 0;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

struct worker {
    const char *conn;
    int n;
    int ok;
    pthread_barrier_t *bar;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    se05x_session *s = NULL;
    struct se05x_open_opts oo = {.auth = SE05X_AUTH_NONE};
    int opened = se05x_open(w->conn, &oo, &s, NULL) == SE05X_OK;
    pthread_barrier_wait(w->bar);
    if (!opened)
        return NULL;
    uint8_t r[64];
    size_t rl;
    for (int i = 0; i < w->n; i++)
        if (se05x_transceive(s, GETVERSION, sizeof GETVERSION, r, sizeof r, &rl) == SE05X_OK)
            w->ok++;
    se05x_close(s);
    return NULL;
}

/* APDUs per second with k clients doing total APDUs together. */
static double throughput(const char *conn, int k, int total)
{
    pthread_t th[32];
    struct worker w[32];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)k + 1);
    for (int i = 0; i < k; i++) {
        w[i] = (struct worker){.conn = conn, .n = total / k, .bar = &bar};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    pthread_barrier_wait(&bar);
    double t0 = now_s();
    int ok = 0;
    for (int i = 0; i < k; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
    }
    double dt = now_s() - t0;
    pthread_barrier_destroy(&bar);
    if (ok != (total / k) * k) {
        fprintf(stderr, "bench_daemon: %d of %d APDUs failed with %d clients on %s\n", (total / k) * k - ok,
                (total / k) * k, k, conn);
        exit(1);
    }
    return ok / dt;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--loop")) {
        struct se05x_open_opts lo = {.auth = SE05X_AUTH_NONE};
        se05x_session *ls = NULL;
        struct se05x_error le = {0};
        if (se05x_open(argv[2], &lo, &ls, &le) != SE05X_OK) {
            fprintf(stderr, "bench_daemon: open %s: %s\n", argv[2], le.msg);
            return 1;
        }
        int ln = atoi(argv[3]);
        if (ln > 0)
            per_apdu(ls, ln);
        se05x_close(ls);
        return 0;
    }
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (n < 100)
        n = 100;
    char self[PATH_MAX], bin[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
    if (l <= 0)
        return 1;
    self[l] = '\0';
    snprintf(bin, sizeof bin, "%s", getenv("SE05X_BIN") ? getenv("SE05X_BIN") : dirname(self));
    char dir[] = "/tmp/bench_daemon.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char sim[PATH_MAX + 16], daemon[PATH_MAX + 16], state[64], portf[64], sock[64], slog[64], dlog[64];
    snprintf(sim, sizeof sim, "%s/se05x-sim", bin);
    snprintf(daemon, sizeof daemon, "%s/se05xd", bin);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(portf, sizeof portf, "%s/port", dir);
    snprintf(sock, sizeof sock, "%s/se05xd.sock", dir);
    snprintf(slog, sizeof slog, "%s/sim.log", dir);
    snprintf(dlog, sizeof dlog, "%s/daemon.log", dir);
    mkdir(state, 0700);
    setenv("SE05X_CONF", "/dev/null", 1);
    unsetenv("EX_SSS_BOOT_SCP03_PATH");
    signal(SIGPIPE, SIG_IGN);

    char *sargv[] = {sim, "--state", state, "--port", "0", "--port-file", portf, NULL};
    pid_t sp = spawn(sargv, slog);
    if (wait_file(portf)) {
        fprintf(stderr, "bench_daemon: %s did not start (%s)\n", sim, slog);
        return 1;
    }
    FILE *pf = fopen(portf, "r");
    int port = 0;
    if (!pf || fscanf(pf, "%d", &port) != 1)
        return 1;
    fclose(pf);
    char direct[64], chip[64], via[80];
    snprintf(direct, sizeof direct, "127.0.0.1:%d", port);
    snprintf(chip, sizeof chip, "127.0.0.1:%d", port);
    snprintf(via, sizeof via, "unix:%s", sock);
    char listen_arg[80];
    snprintf(listen_arg, sizeof listen_arg, "unix:%s", sock);
    char *dargv[] = {daemon, "--chip", chip, "--listen", listen_arg, "--auth", "none", NULL};
    pid_t dp = spawn(dargv, dlog);
    if (wait_sock(sock)) {
        fprintf(stderr, "bench_daemon: %s did not start (%s)\n", daemon, dlog);
        kill(sp, SIGTERM);
        return 1;
    }

    struct se05x_open_opts oo = {.auth = SE05X_AUTH_NONE};
    se05x_session *d = NULL, *v = NULL;
    struct se05x_error e = {0};
    if (se05x_open(direct, &oo, &d, &e) != SE05X_OK || se05x_open(via, &oo, &v, &e) != SE05X_OK) {
        fprintf(stderr, "bench_daemon: open: %s\n", e.msg);
        return 1;
    }
    per_apdu(d, 200); /* warm up */
    per_apdu(v, 200);
    enum { ROUNDS = 5 };
    double ad[ROUNDS], av[ROUNDS], dif[ROUNDS], cpu = 0;
    for (int round = 0; round < ROUNDS; round++) { /* interleaved */
        ad[round] = per_apdu(d, n);
        double c0 = cpu_ns(dp);
        av[round] = per_apdu(v, n);
        cpu += cpu_ns(dp) - c0;
        dif[round] = av[round] - ad[round];
    }
    se05x_close(d);
    se05x_close(v);
    char load[64] = "?";
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (!fgets(load, sizeof load, lf))
            snprintf(load, sizeof load, "?");
        char *sp = load;
        for (int f = 0; f < 3 && sp; f++) /* the 1, 5 and 15 minute averages */
            sp = strchr(sp + 1, ' ');
        if (sp)
            *sp = '\0';
        fclose(lf);
    }
    printf("bench_daemon: GetVersion round trips, %d per round, %d rounds; load average %s\n", n, ROUNDS,
           load);
    printf("%-34s %10s %10s\n", "", "best", "median");
    printf("%-34s %7.1f us %7.1f us\n", "latency direct (JRCP to emulator)", minof(ad, ROUNDS) * 1e6,
           median(ad, ROUNDS) * 1e6);
    printf("%-34s %7.1f us %7.1f us\n", "latency through se05xd", minof(av, ROUNDS) * 1e6,
           median(av, ROUNDS) * 1e6);
    printf("%-34s %7.1f us %7.1f us   (best - best; median of the rounds' differences; target < 50 us)\n",
           "added by se05xd", (minof(av, ROUNDS) - minof(ad, ROUNDS)) * 1e6, median(dif, ROUNDS) * 1e6);
    printf("%-34s %7.1f us              (daemon CPU time per APDU)\n", "se05xd work per APDU",
           cpu / 1e3 / ((double)ROUNDS * n));
    printf("\n%-10s %16s %16s\n", "clients", "direct APDU/s", "se05xd APDU/s");
    static const int ks[] = {1, 8, 32};
    for (size_t i = 0; i < 3; i++) {
        int k = ks[i];
        int total = n * 2 / k * k;
        double td = throughput(direct, k, total), tv = throughput(via, k, total);
        printf("%-10d %16.0f %16.0f\n", k, td, tv);
    }
    kill(dp, SIGTERM);
    waitpid(dp, NULL, 0);
    kill(sp, SIGTERM);
    waitpid(sp, NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
