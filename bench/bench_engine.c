/* SPDX-License-Identifier: Apache-2.0 */
/* e4sss engine: APDUs and median time per private-key operation, through the
 * OpenSSL API the way applications use the engine, next to the raw library
 * and OpenSSL's software keys for scale.
 *
 *   bench_engine [-n N] [--engine PATH] [--only TEXT]
 * The chip is $EX_SSS_BOOT_SSS_PORT (a running se05x-sim or a real chip).
 * The engine is loaded by path through the "dynamic" engine (default
 * <dir of this program>/../lib/libsss_engine.so), so no OpenSSL
 * configuration is involved. --only measures just the rows whose name
 * contains TEXT (for profiling one path with perf). Creates objects 0x7F00E001 (P-256) and
 * 0x7F00E002 (RSA-2048) and deletes them at the end.
 *
 * Rows:
 *   ref PEM, default EC/RSA  the Mender tutorial's way: engine made default
 *                            for EC and RSA (default_algorithms = RSA,EC),
 *                            then the reference-key PEM read as an ordinary
 *                            key file (provider key, engine method inside)
 *   ENGINE_load_private_key  legacy key bound to the engine (pkcs11:/0x ids)
 * Every operation is an EVP_DigestSign of 100 bytes with SHA-256 on a fresh
 * EVP_MD_CTX, as an application signing one request does; the first
 * signature of each row is verified in software.
 *
 * A last line runs the tutorial-way ECDSA key from 4 threads at once (one
 * engine session shared by all) and gives wall time / operations.
 *
 * APDUs per operation: a second pass with SE05X_LOG=trace writing to a
 * temporary SE05X_LOG_FILE counts the C-APDU lines the library logs for
 * each exchange (the log facility reads its environment on every call, so
 * the engine's copy of the library follows too). Times come from the first
 * pass, without logging. */
#define OPENSSL_SUPPRESS_DEPRECATED /* the ENGINE API */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <se05x/se05x.h>

#include "timing.h"

#define ID_EC 0x7F00E001u
#define ID_RSA 0x7F00E002u

enum kind { K_EVP, K_RAW_EC, K_RAW_RSA };

struct row {
    const char *name;
    enum kind kind;
    EVP_PKEY *key; /* K_EVP */
    int pad;       /* RSA padding, 0 for EC */
    int reps;
    double apdus, median_us;
    int ok;
};

/* One application-style signature; optionally verified. 1 on success. */
static int evp_sign(EVP_PKEY *k, int pad, int verify)
{
    static const unsigned char msg[100] = {0x5a};
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int ok;

    ok = m != NULL && EVP_DigestSignInit(m, &pc, EVP_sha256(), NULL, k) == 1 &&
         (!pad || EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0) &&
         EVP_DigestSign(m, sig, &siglen, msg, sizeof(msg)) == 1;
    if (ok && verify) {
        EVP_MD_CTX_reset(m);
        pc = NULL;
        ok = EVP_DigestVerifyInit(m, &pc, EVP_sha256(), NULL, k) == 1 &&
             (!pad || EVP_PKEY_CTX_set_rsa_padding(pc, pad) > 0) &&
             EVP_DigestVerify(m, sig, siglen, msg, sizeof(msg)) == 1;
    }
    EVP_MD_CTX_free(m);
    return ok;
}

static int raw_sign(se05x_session *s, enum kind kind)
{
    uint8_t dg[32] = {1, 2, 3}, sig[600];
    size_t len = 0;

    if (kind == K_RAW_EC)
        return se05x_ecdsa_sign_digest(s, ID_EC, dg, sizeof(dg), sig, sizeof(sig), &len) ==
               SE05X_OK;
    return se05x_rsa_sign(s, ID_RSA, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, dg, sizeof(dg), sig,
                          sizeof(sig), &len) == SE05X_OK;
}

static int run_one(struct row *r, se05x_session *s, int verify)
{
    return r->kind == K_EVP ? evp_sign(r->key, r->pad, verify) : raw_sign(s, r->kind);
}

static long count_capdus(const char *path)
{
    char line[8192];
    long n = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, "C-APDU") != NULL)
            n++;
    fclose(f);
    return n;
}

static void measure(struct row *r, se05x_session *s, const char *logpath)
{
    double *t = calloc((size_t)r->reps, sizeof(double));
    int i, counted = r->reps < 20 ? r->reps : 20;

    if (t == NULL)
        return;
    if (!run_one(r, s, 1)) { /* warm-up: session open, key checks; verified */
        fprintf(stderr, "bench_engine: %s: first operation failed\n", r->name);
        ERR_print_errors_fp(stderr);
        goto out;
    }
    for (i = 0; i < r->reps; i++) {
        double t0 = bench_now_us();
        if (!run_one(r, s, 0)) {
            fprintf(stderr, "bench_engine: %s: operation %d failed\n", r->name, i);
            ERR_print_errors_fp(stderr);
            goto out;
        }
        t[i] = bench_now_us() - t0;
    }
    r->median_us = bench_median(t, r->reps);
    /* counting pass */
    if (truncate(logpath, 0) != 0)
        goto out;
    setenv("SE05X_LOG_FILE", logpath, 1);
    setenv("SE05X_LOG", "trace", 1);
    for (i = 0; i < counted; i++)
        if (!run_one(r, s, 0))
            break;
    setenv("SE05X_LOG", "error", 1);
    unsetenv("SE05X_LOG_FILE");
    if (i != counted)
        goto out;
    r->apdus = (double)count_capdus(logpath) / counted;
    r->ok = 1;
out:
    free(t);
}

struct thr {
    EVP_PKEY *key;
    int reps, ok;
};

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    int i;

    t->ok = 1;
    for (i = 0; i < t->reps && t->ok; i++)
        t->ok = evp_sign(t->key, 0, 0);
    return NULL;
}

/* nthr threads x reps signatures; wall time per operation in us, or -1. */
static double run_threads(EVP_PKEY *k, int nthr, int reps)
{
    pthread_t tid[8];
    struct thr t[8];
    double t0 = bench_now_us();
    int i, ok = 1;

    for (i = 0; i < nthr; i++) {
        t[i].key = k;
        t[i].reps = reps;
        if (pthread_create(&tid[i], NULL, thr_main, &t[i]) != 0)
            return -1;
    }
    for (i = 0; i < nthr; i++) {
        pthread_join(tid[i], NULL);
        ok = ok && t[i].ok;
    }
    return ok ? (bench_now_us() - t0) / (nthr * reps) : -1;
}

static void measure_threads(EVP_PKEY *k, int n, const char *logpath)
{
    double wall = run_threads(k, 4, n / 4);
    long apdus;

    if (wall < 0 || truncate(logpath, 0) != 0) {
        printf("4 threads: failed\n");
        return;
    }
    setenv("SE05X_LOG_FILE", logpath, 1);
    setenv("SE05X_LOG", "trace", 1);
    if (run_threads(k, 4, 5) < 0)
        wall = -1;
    setenv("SE05X_LOG", "error", 1);
    unsetenv("SE05X_LOG_FILE");
    apdus = count_capdus(logpath);
    if (wall < 0) {
        printf("4 threads: failed\n");
        return;
    }
    printf("\nECDSA P-256, ref PEM, 4 threads x %d on one session: %.2f APDUs/op, %.1f us wall "
           "per op\n",
           n / 4, (double)apdus / 20, wall);
}

static char *ref_pem(se05x_session *s, se05x_objid id, enum se05x_refkey_form form)
{
    char *pem = NULL;
    size_t len = 0;

    if (se05x_refkey_from_chip(s, id, form, &pem, &len) != SE05X_OK) {
        fprintf(stderr, "bench_engine: ref key of 0x%08X: %s\n", id, se05x_errmsg(s));
        return NULL;
    }
    return pem;
}

static EVP_PKEY *read_pem(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

    BIO_free(b);
    return k;
}

static ENGINE *load_engine(const char *path)
{
    ENGINE *e = ENGINE_by_id("dynamic");

    if (e == NULL || !ENGINE_ctrl_cmd_string(e, "SO_PATH", path, 0) ||
        !ENGINE_ctrl_cmd_string(e, "ID", "e4sss", 0) ||
        !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0) || !ENGINE_init(e)) {
        fprintf(stderr, "bench_engine: cannot load the engine %s\n", path);
        ERR_print_errors_fp(stderr);
        ENGINE_free(e);
        return NULL;
    }
    return e;
}

int main(int argc, char **argv)
{
    const char *conn = getenv("EX_SSS_BOOT_SSS_PORT"), *engine_path = NULL, *only = NULL;
    char defpath[4096], logpath[] = "/tmp/bench_engine.XXXXXX";
    char *ec_pem = NULL, *rsa_pem = NULL;
    EVP_PKEY *ec_ref = NULL, *rsa_ref = NULL, *ec_eng = NULL, *rsa_eng = NULL;
    EVP_PKEY *ec_soft = NULL, *rsa_soft = NULL;
    se05x_session *s = NULL;
    struct se05x_error err;
    ENGINE *e = NULL;
    int n = 200, i, fd, rc = 1;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--engine") && i + 1 < argc)
            engine_path = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_engine [-n N] [--engine PATH] [--only TEXT]\n");
            return 2;
        }
    }
    if (n < 10)
        n = 10;
    if (conn == NULL || conn[0] == 0) {
        fprintf(stderr, "bench_engine: set EX_SSS_BOOT_SSS_PORT to the chip (e.g. a se05x-sim)\n");
        return 2;
    }
    if (engine_path == NULL) {
        const char *slash = strrchr(argv[0], '/');
        snprintf(defpath, sizeof(defpath), "%.*s../lib/libsss_engine.so",
                 slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
        engine_path = defpath;
    }
    if ((fd = mkstemp(logpath)) < 0) {
        perror("bench_engine: mkstemp");
        return 1;
    }
    close(fd);
    setenv("SE05X_LOG", "error", 1);

    /* keys on the chip, and their reference-key PEMs */
    memset(&err, 0, sizeof(err));
    if (se05x_open(conn, NULL, &s, &err) != SE05X_OK) {
        fprintf(stderr, "bench_engine: %s\n", err.msg);
        goto out;
    }
    se05x_delete_object(s, ID_EC);
    se05x_delete_object(s, ID_RSA);
    if (se05x_ec_generate(s, ID_EC, SE05X_EC_NIST_P256, NULL) != SE05X_OK ||
        se05x_rsa_generate(s, ID_RSA, 2048, NULL) != SE05X_OK) {
        fprintf(stderr, "bench_engine: key generation: %s\n", se05x_errmsg(s));
        goto out;
    }
    if ((ec_pem = ref_pem(s, ID_EC, SE05X_REFKEY_PKCS8)) == NULL ||
        (rsa_pem = ref_pem(s, ID_RSA, SE05X_REFKEY_PKCS1)) == NULL)
        goto out;

    /* the engine, default for EC and RSA before the ref keys are read */
    if ((e = load_engine(engine_path)) == NULL)
        goto out;
    if (!ENGINE_set_default(e, ENGINE_METHOD_EC | ENGINE_METHOD_RSA)) {
        fprintf(stderr, "bench_engine: ENGINE_set_default failed\n");
        goto out;
    }
    ec_ref = read_pem(ec_pem);
    rsa_ref = read_pem(rsa_pem);
    ec_eng = ENGINE_load_private_key(e, "0x7F00E001", NULL, NULL);
    rsa_eng = ENGINE_load_private_key(e, "pkcs11:object=sss:7F00E002;type=private", NULL, NULL);
    ec_soft = EVP_EC_gen("P-256");
    rsa_soft = EVP_RSA_gen(2048);
    if (!ec_ref || !rsa_ref || !ec_eng || !rsa_eng || !ec_soft || !rsa_soft) {
        fprintf(stderr, "bench_engine: cannot load the keys\n");
        ERR_print_errors_fp(stderr);
        goto out;
    }

    {
        int nr = (n + 9) / 10; /* RSA-2048 private operations are slow on the emulator too */
        struct row rows[] = {
            {"ECDSA P-256, ref PEM, default EC", K_EVP, ec_ref, 0, n, 0, 0, 0},
            {"ECDSA P-256, ENGINE_load_private_key", K_EVP, ec_eng, 0, n, 0, 0, 0},
            {"RSA-2048 PKCS#1, ref PEM, default RSA", K_EVP, rsa_ref, RSA_PKCS1_PADDING, nr, 0, 0, 0},
            {"RSA-2048 PSS, ref PEM, default RSA", K_EVP, rsa_ref, RSA_PKCS1_PSS_PADDING, nr, 0, 0,
             0},
            {"RSA-2048 PKCS#1, ENGINE_load_private_key", K_EVP, rsa_eng, RSA_PKCS1_PADDING, nr, 0,
             0, 0},
            {"RSA-2048 PSS, ENGINE_load_private_key", K_EVP, rsa_eng, RSA_PKCS1_PSS_PADDING, nr, 0,
             0, 0},
            {"ECDSA P-256, lib (no OpenSSL)", K_RAW_EC, NULL, 0, n, 0, 0, 0},
            {"RSA-2048 PKCS#1, lib (no OpenSSL)", K_RAW_RSA, NULL, 0, nr, 0, 0, 0},
            {"ECDSA P-256, software key", K_EVP, ec_soft, 0, n, 0, 0, 0},
            {"RSA-2048 PKCS#1, software key", K_EVP, rsa_soft, RSA_PKCS1_PADDING, nr, 0, 0, 0},
        };
        size_t nrows = sizeof(rows) / sizeof(rows[0]), r;

        for (r = 0; r < nrows; r++)
            if (only == NULL || strstr(rows[r].name, only) != NULL)
                measure(&rows[r], s, logpath);
        printf("e4sss engine, per signature (chip: %s; EVP_DigestSign of 100 bytes, SHA-256)\n\n",
               conn);
        printf("%-42s %6s %8s %10s\n", "operation", "count", "APDUs", "median us");
        printf("------------------------------------------------------------------------\n");
        rc = 0;
        for (r = 0; r < nrows; r++) {
            if (only != NULL && strstr(rows[r].name, only) == NULL)
                continue;
            if (!rows[r].ok) {
                printf("%-42s failed\n", rows[r].name);
                rc = 1;
                continue;
            }
            printf("%-42s %6d %8.2f %10.1f\n", rows[r].name, rows[r].reps, rows[r].apdus,
                   rows[r].median_us);
        }
        if (only == NULL || strstr("threads", only) != NULL)
            measure_threads(ec_ref, n, logpath);
    }
out:
    EVP_PKEY_free(ec_ref);
    EVP_PKEY_free(rsa_ref);
    EVP_PKEY_free(ec_eng);
    EVP_PKEY_free(rsa_eng);
    EVP_PKEY_free(ec_soft);
    EVP_PKEY_free(rsa_soft);
    if (e != NULL) {
        ENGINE_finish(e);
        ENGINE_free(e);
    }
    if (s != NULL) {
        se05x_delete_object(s, ID_EC);
        se05x_delete_object(s, ID_RSA);
        se05x_close(s);
    }
    free(ec_pem); /* malloc'ed by the lib */
    free(rsa_pem);
    unlink(logpath);
    return rc;
}
