/* SPDX-License-Identifier: Apache-2.0 */
/* Plain vs Platform SCP03, per operation: APDUs, bytes on the wire, host CPU
 * time (this process: encoding, wrapping, crypto, system calls) and wall
 * time (includes the chip or emulator).
 *
 *   bench_scp03 CONN KEYFILE [N]
 *
 * CONN must accept both modes (se05x-sim with --scp03-keys KEYFILE and a
 * variant other than F). Operations: session open, ECDSA P-256 sign (key
 * 0x7F0000B1, created if missing), CheckObjectExists, and the wrap + unwrap
 * work alone (host CPU per APDU). Not a test: it prints a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <se05x/se05x.h>

#include "scp03.h"
#include "timing.h"

#define KEY 0x7F0000B1

struct row {
    double apdus, bytes, cpu_us, wall_us;
};

static void snap(se05x_session *s, struct se05x_stats *st)
{
    se05x_get_stats(s, st);
}

static void diff(const struct se05x_stats *a, const struct se05x_stats *b, double cpu0, double wall0, int n,
                 struct row *r)
{
    r->apdus = (double)(b->apdus - a->apdus) / n;
    r->bytes = (double)((b->link_tx_bytes + b->link_rx_bytes) - (a->link_tx_bytes + a->link_rx_bytes)) / n;
    r->cpu_us = (bench_clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / n;
    r->wall_us = (bench_clock_us(CLOCK_MONOTONIC) - wall0) / n;
}

static void print(const char *mode, const char *op, const struct row *r)
{
    printf("%-15s %-22s %7.2f %9.1f %11.1f %11.1f\n", mode, op, r->apdus, r->bytes, r->cpu_us, r->wall_us);
}

/* The timed operations after the session open (KEY exists by then). */
enum op { OP_SIGN, OP_EXISTS };
static const char *const op_names[] = {"ECDSA P-256 sign", "CheckObjectExists"};

static se05x_rc one_op(se05x_session *s, enum op op)
{
    uint8_t dig[32], sig[80];
    size_t sl = 0;
    bool ex = false;
    if (op == OP_EXISTS)
        return se05x_object_exists(s, KEY, &ex);
    memset(dig, 0x5A, sizeof dig);
    return se05x_ecdsa_sign(s, KEY, SE05X_MD_SHA256, dig, sizeof dig, sig, sizeof sig, &sl);
}

/* n times op on s, per operation into r and printed; 1 (s closed) when one fails. */
static int timed(se05x_session *s, const char *mode, enum op op, int n, struct row *r)
{
    struct se05x_stats a, b;
    snap(s, &a);
    double cpu0 = bench_clock_us(CLOCK_PROCESS_CPUTIME_ID), wall0 = bench_clock_us(CLOCK_MONOTONIC);
    for (int i = 0; i < n; i++)
        if (one_op(s, op) != SE05X_OK) {
            fprintf(stderr, "bench_scp03: %s: %s\n", op_names[op], se05x_errmsg(s));
            se05x_close(s);
            return 1;
        }
    snap(s, &b);
    diff(&a, &b, cpu0, wall0, n, r);
    print(mode, op_names[op], r);
    return 0;
}

static int run(const char *conn, const char *keys, int auth, int n, struct row out[3])
{
    struct se05x_open_opts o = {0};
    struct se05x_error e = {0};
    struct se05x_stats b;
    se05x_session *s = NULL;
    const char *mode = auth == SE05X_AUTH_NONE ? "plain" : "platform-scp03";
    o.auth = auth;
    o.scp03_keys = keys;
    /* open: N opens, counted by each session's own stats */
    struct row open = {0};
    double cpu0 = bench_clock_us(CLOCK_PROCESS_CPUTIME_ID), wall0 = bench_clock_us(CLOCK_MONOTONIC);
    int opens = n / 10 > 0 ? n / 10 : 1;
    for (int i = 0; i < opens; i++) {
        if (se05x_open(conn, &o, &s, &e) != SE05X_OK) {
            fprintf(stderr, "bench_scp03: open (%s): %s\n", mode, e.msg);
            return 1;
        }
        se05x_get_stats(s, &b);
        open.apdus += (double)b.apdus;
        open.bytes += (double)(b.link_tx_bytes + b.link_rx_bytes);
        if (i + 1 < opens)
            se05x_close(s);
    }
    open.apdus /= opens;
    open.bytes /= opens;
    open.cpu_us = (bench_clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / opens;
    open.wall_us = (bench_clock_us(CLOCK_MONOTONIC) - wall0) / opens;
    out[0] = open;
    print(mode, "session open", &open);

    bool ex = false;
    if (se05x_object_exists(s, KEY, &ex) != SE05X_OK ||
        (!ex && se05x_ec_generate(s, KEY, SE05X_EC_NIST_P256, NULL) != SE05X_OK)) {
        fprintf(stderr, "bench_scp03: key: %s\n", se05x_errmsg(s));
        se05x_close(s);
        return 1;
    }
    if (timed(s, mode, OP_SIGN, n, &out[1]) || timed(s, mode, OP_EXISTS, n, &out[2]))
        return 1;
    se05x_close(s);
    return 0;
}

/* The host's SCP03 work alone, in process: wrapping a 43-byte ECDSA-sign
 * command, and unwrapping a 72-byte R-ENC + R-MAC answer (built here). */
static int micro(int n)
{
    struct se05x_scp03 st;
    struct se05x_error e = {0};
    uint8_t cmd[5 + 43], w[128], rsp[128], r[128], icv[16], rc16[16], macin[16 + 80 + 2], full[16];
    size_t wl = 0;
    memset(&st, 0, sizeof st);
    st.keys.klen = 16;
    st.active = true;
    if (RAND_bytes(st.s_enc, 16) != 1 || RAND_bytes(st.s_mac, 16) != 1 || RAND_bytes(st.s_rmac, 16) != 1)
        return 1;
    memcpy(cmd, "\x80\x03\x0C\x09\x2B", 5);
    memset(cmd + 5, 0x41, 43);
    double t0 = bench_clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n; i++)
        if (se05x_scp03_wrap(&st, cmd, sizeof cmd, w, sizeof w, &wl, &e) != SE05X_OK)
            return 1;
    double t_wrap = (bench_clock_us(CLOCK_PROCESS_CPUTIME_ID) - t0) / n;
    /* one valid answer for the current MCV and counter (unwrap changes neither) */
    memset(rsp, 0x30, 72);
    rsp[72] = 0x80;
    memset(rsp + 73, 0, 7);
    memcpy(rc16, st.ctr, 16);
    rc16[0] = 0x80;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int a = 0, b = 0;
    EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, st.s_enc, NULL);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, icv, &a, rc16, 16);
    EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, st.s_enc, icv);
    EVP_CIPHER_CTX_set_padding(c, 0);
    EVP_EncryptUpdate(c, rsp, &a, rsp, 80);
    EVP_EncryptFinal_ex(c, rsp + a, &b);
    EVP_CIPHER_CTX_free(c);
    memcpy(macin, st.mcv, 16);
    memcpy(macin + 16, rsp, 80);
    macin[96] = 0x90;
    macin[97] = 0x00;
    se05x_scp03_cmac(st.s_rmac, 16, macin, sizeof macin, full);
    memcpy(rsp + 80, full, 8);
    rsp[88] = 0x90;
    rsp[89] = 0x00;
    t0 = bench_clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < n; i++) {
        size_t rl = 90;
        memcpy(r, rsp, 90);
        if (se05x_scp03_unwrap(&st, r, &rl, &e) != SE05X_OK || rl != 74) {
            fprintf(stderr, "bench_scp03: unwrap: %s\n", e.msg);
            return 1;
        }
    }
    double t_unwrap = (bench_clock_us(CLOCK_PROCESS_CPUTIME_ID) - t0) / n;
    printf("host SCP03 work per APDU (in process, N=%d): wrap 43 B %.2f us, unwrap 72 B %.2f us, "
           "total %.2f us; wire +%zu B command, +%zu B answer\n",
           n, t_wrap, t_unwrap, t_wrap + t_unwrap, wl - sizeof cmd, (size_t)(90 - 74));
    se05x_scp03_clear(&st);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_scp03 CONN KEYFILE [N]\n");
        return 2;
    }
    int n = argc > 3 ? atoi(argv[3]) : 200;
    if (n < 1)
        n = 1;
    struct row p[3], x[3];
    if (micro(20000))
        return 1;
    printf("%-15s %-22s %7s %9s %11s %11s\n", "mode", "operation", "APDUs", "bytes", "host CPU us", "wall us");
    if (run(argv[1], argv[2], SE05X_AUTH_NONE, n, p) || run(argv[1], argv[2], SE05X_AUTH_PLATFORM_SCP03, n, x))
        return 1;
    printf("\nSCP03 minus plain, per operation (N=%d):\n", n);
    static const char *ops[3] = {"session open", "ECDSA P-256 sign", "CheckObjectExists"};
    for (int i = 0; i < 3; i++)
        printf("  %-20s %+6.2f APDUs %+8.1f bytes %+9.1f host CPU us\n", ops[i], x[i].apdus - p[i].apdus,
               x[i].bytes - p[i].bytes, x[i].cpu_us - p[i].cpu_us);
    return 0;
}
