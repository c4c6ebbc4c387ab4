/* SPDX-License-Identifier: Apache-2.0 */
/* T=1 vs JRCP v1: APDUs, T=1 frames, wire bytes and median time per
 * operation, from se05x_get_stats(). One emulator serves both transports on
 * one port, so the same chip state is measured twice.
 *
 *   bench_t1 [JRCP_CONN [T1_CONN]] [-n N]
 * Defaults: JRCP_CONN = $EX_SSS_BOOT_SSS_PORT (HOST:PORT), T1_CONN =
 * t1:HOST:PORT of the same emulator. A T1_CONN of /dev/i2c-N measures the
 * i2c-dev path (a chip, or the tests' LD_PRELOAD shim). Creates objects
 * 0x7F00B001..0x7F00B003 and deletes them at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <se05x/se05x.h>

#include "timing.h"

#define ID_EC 0x7F00B001u
#define ID_RSA 0x7F00B002u
#define ID_BIN 0x7F00B003u

enum op { OP_ECDSA_SIGN, OP_ECDSA_VERIFY, OP_RANDOM, OP_READ_PUB, OP_RSA_SIGN, OP_BIN_WRITE,
          OP_BIN_READ, OP_N };
static const char *op_names[OP_N] = {"ECDSA P-256 sign",  "ECDSA P-256 verify", "random 32 B",
                                     "read EC public key", "RSA-2048 sign",     "write 2 KB binary",
                                     "read 2 KB binary"};

struct result {
    double apdus, frames, bytes, median_us;
    int ok;
};

static se05x_rc run_op(se05x_session *s, enum op op)
{
    static uint8_t bin[2048];
    uint8_t dg[32] = {1, 2, 3}, sig[600], buf[600];
    size_t len = 0;
    switch (op) {
    case OP_ECDSA_SIGN:
        return se05x_ecdsa_sign(s, ID_EC, SE05X_MD_SHA256, dg, 32, sig, sizeof(sig), &len);
    case OP_RANDOM:
        return se05x_get_random(s, buf, 32);
    case OP_READ_PUB:
        return se05x_read_object(s, ID_EC, 0, 0, buf, sizeof(buf), &len);
    case OP_RSA_SIGN:
        return se05x_rsa_sign(s, ID_RSA, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, dg, 32, sig,
                              sizeof(sig), &len);
    case OP_BIN_WRITE:
        return se05x_write_binary(s, ID_BIN, bin, sizeof(bin), NULL);
    case OP_BIN_READ: {
        uint8_t *out = NULL;
        se05x_rc rc = se05x_read_binary(s, ID_BIN, &out, &len);
        free(out);
        return rc;
    }
    default: /* OP_ECDSA_VERIFY: run_verify() */
        return SE05X_E_INTERNAL;
    }
}

/* ECDSA verify needs a signature made first: measured separately. */
static se05x_rc run_verify(se05x_session *s, const uint8_t *sig, size_t slen)
{
    uint8_t dg[32] = {1, 2, 3};
    bool valid = false;
    se05x_rc rc = se05x_ecdsa_verify(s, ID_EC, SE05X_MD_SHA256, dg, 32, sig, slen, &valid);
    return rc ? rc : (valid ? SE05X_OK : SE05X_E_CRYPTO);
}

static void measure(se05x_session *s, enum op op, int n, struct result *r)
{
    double *t = calloc((size_t)n, sizeof(double));
    uint8_t sig[128], dg[32] = {1, 2, 3};
    size_t slen = 0;
    struct se05x_stats a, b;
    memset(r, 0, sizeof(*r));
    if (!t)
        return;
    if (op == OP_ECDSA_VERIFY &&
        se05x_ecdsa_sign(s, ID_EC, SE05X_MD_SHA256, dg, 32, sig, sizeof(sig), &slen) != SE05X_OK)
        goto out;
    se05x_get_stats(s, &a);
    for (int i = 0; i < n; i++) {
        double t0 = bench_now_us();
        se05x_rc rc = op == OP_ECDSA_VERIFY ? run_verify(s, sig, slen) : run_op(s, op);
        t[i] = bench_now_us() - t0;
        if (rc != SE05X_OK) {
            fprintf(stderr, "bench_t1: %s: %s\n", op_names[op], se05x_errmsg(s));
            goto out;
        }
    }
    se05x_get_stats(s, &b);
    r->apdus = (double)(b.apdus - a.apdus) / n;
    r->frames = (double)(b.frames - a.frames) / n;
    r->bytes = (double)(b.link_tx_bytes + b.link_rx_bytes - a.link_tx_bytes - a.link_rx_bytes) / n;
    r->median_us = bench_median(t, n);
    r->ok = 1;
out:
    free(t);
}

static int setup_objects(se05x_session *s)
{
    bool ex = false;
    se05x_objid ids[] = {ID_EC, ID_RSA, ID_BIN};
    for (size_t i = 0; i < 3; i++)
        if (se05x_object_exists(s, ids[i], &ex) == SE05X_OK && ex)
            se05x_delete_object(s, ids[i]);
    if (se05x_ec_generate(s, ID_EC, SE05X_EC_NIST_P256, NULL) != SE05X_OK ||
        se05x_rsa_generate(s, ID_RSA, 2048, NULL) != SE05X_OK) {
        fprintf(stderr, "bench_t1: key generation: %s\n", se05x_errmsg(s));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *conns[2] = {NULL, NULL};
    char t1conn[300];
    int n = 200, nc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (argv[i][0] != '-' && nc < 2)
            conns[nc++] = argv[i];
        else {
            fprintf(stderr, "usage: bench_t1 [JRCP_CONN [T1_CONN]] [-n N]\n");
            return 2;
        }
    }
    if (n < 1)
        n = 1;
    if (!conns[0])
        conns[0] = getenv("EX_SSS_BOOT_SSS_PORT");
    if (!conns[0] || !strchr(conns[0], ':') || !strncmp(conns[0], "t1:", 3) ||
        !strncmp(conns[0], "/dev/", 5)) {
        fprintf(stderr, "bench_t1: give the emulator's JRCP connection HOST:PORT (argument or "
                        "EX_SSS_BOOT_SSS_PORT)\n");
        return 2;
    }
    if (!conns[1]) {
        snprintf(t1conn, sizeof(t1conn), "t1:%s", conns[0]);
        conns[1] = t1conn;
    }
    struct result res[2][OP_N];
    for (int c = 0; c < 2; c++) {
        se05x_session *s = NULL;
        struct se05x_error err;
        if (se05x_open(conns[c], NULL, &s, &err) != SE05X_OK) {
            fprintf(stderr, "bench_t1: %s\n", err.msg);
            return 1;
        }
        if (c == 0 && setup_objects(s) != 0) {
            se05x_close(s);
            return 1;
        }
        for (int op = 0; op < OP_N; op++) {
            int reps = (op == OP_RSA_SIGN || op == OP_BIN_WRITE || op == OP_BIN_READ) ? (n + 9) / 10 : n;
            measure(s, (enum op)op, reps, &res[c][op]);
        }
        if (c == 1) {
            se05x_delete_object(s, ID_EC);
            se05x_delete_object(s, ID_RSA);
            se05x_delete_object(s, ID_BIN);
        }
        se05x_close(s);
    }
    printf("T=1 vs JRCP v1, per operation (JRCP: %s, T=1: %s, n=%d)\n\n", conns[0], conns[1], n);
    printf("%-20s | %6s %10s %8s | %6s %6s %10s %8s\n", "", "JRCP", "", "", "T=1", "", "", "");
    printf("%-20s | %6s %10s %8s | %6s %6s %10s %8s\n", "operation", "APDUs", "wire B", "med us",
           "APDUs", "frames", "wire B", "med us");
    printf("---------------------+----------------------------+-----------------------------------\n");
    for (int op = 0; op < OP_N; op++) {
        const struct result *j = &res[0][op], *t = &res[1][op];
        if (!j->ok || !t->ok) {
            printf("%-20s | failed\n", op_names[op]);
            continue;
        }
        printf("%-20s | %6.2f %10.1f %8.0f | %6.2f %6.2f %10.1f %8.0f\n", op_names[op], j->apdus,
               j->bytes, j->median_us, t->apdus, t->frames, t->bytes, t->median_us);
    }
    return 0;
}
