/* SPDX-License-Identifier: Apache-2.0 */
/* Signs N random SHA-256 digests with an EC key in the chip and verifies
 * every signature on the host with libcrypto. Used by the T=1 fault,
 * concurrency and kill tests.
 *   t1_sigloop [-c CONN] [-k KEYID] [-n COUNT] [--gen] [--quiet]
 * CONN defaults to $EX_SSS_BOOT_SSS_PORT. --gen (re)creates a P-256 key.
 * Exit 0 only if COUNT signatures were made and all verified; on the first
 * failure prints one line "t1_sigloop: <n> ok, then: <error>" and exits 1.
 * Last line on success: "ok N verified; per signature: F frames, B bytes". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <se05x/se05x.h>
#include <se05x/ossl.h>

int main(int argc, char **argv)
{
    const char *conn = NULL;
    se05x_objid id = 0x7F0000A1;
    long count = 100;
    int gen = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            conn = argv[++i];
        else if (!strcmp(argv[i], "-k") && i + 1 < argc)
            id = (se05x_objid)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            count = strtol(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--gen"))
            gen = 1;
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else {
            fprintf(stderr, "usage: t1_sigloop [-c CONN] [-k KEYID] [-n COUNT] [--gen] [--quiet]\n");
            return 2;
        }
    }
    se05x_session *s = NULL;
    struct se05x_error err;
    if (se05x_open(conn, NULL, &s, &err) != SE05X_OK) {
        fprintf(stderr, "t1_sigloop: open: %s\n", err.msg);
        return 1;
    }
    if (gen) {
        bool ex = false;
        if (se05x_object_exists(s, id, &ex) == SE05X_OK && ex)
            se05x_delete_object(s, id);
        if (se05x_ec_generate(s, id, SE05X_EC_NIST_P256, NULL) != SE05X_OK) {
            fprintf(stderr, "t1_sigloop: generate: %s\n", se05x_errmsg(s));
            se05x_close(s);
            return 1;
        }
    }
    EVP_PKEY *pub = NULL;
    if (se05x_read_pubkey(s, id, &pub) != SE05X_OK) {
        fprintf(stderr, "t1_sigloop: public key: %s\n", se05x_errmsg(s));
        se05x_close(s);
        return 1;
    }
    struct se05x_stats st0, st1;
    se05x_get_stats(s, &st0);
    long ok = 0;
    int rc = 0;
    for (long i = 0; i < count; i++) {
        uint8_t dg[32], sig[128];
        size_t slen = 0;
        RAND_bytes(dg, sizeof(dg));
        if (se05x_ecdsa_sign(s, id, SE05X_MD_SHA256, dg, sizeof(dg), sig, sizeof(sig), &slen) !=
            SE05X_OK) {
            fprintf(stderr, "t1_sigloop: %ld ok, then: %s\n", ok, se05x_errmsg(s));
            rc = 1;
            break;
        }
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
        int v = ctx && EVP_PKEY_verify_init(ctx) == 1 ? EVP_PKEY_verify(ctx, sig, slen, dg, 32) : -1;
        EVP_PKEY_CTX_free(ctx);
        if (v != 1) {
            fprintf(stderr, "t1_sigloop: %ld ok, then: signature %ld does not verify\n", ok, i);
            rc = 1;
            break;
        }
        ok++;
    }
    se05x_get_stats(s, &st1);
    if (rc == 0) {
        double n = ok ? (double)ok : 1;
        printf("ok %ld verified; per signature: %.2f frames, %.1f bytes\n", ok,
               (double)(st1.frames - st0.frames) / n,
               (double)(st1.link_tx_bytes + st1.link_rx_bytes - st0.link_tx_bytes -
                        st0.link_rx_bytes) / n);
    } else if (!quiet) {
        fprintf(stderr, "t1_sigloop: stopped after %ld of %ld\n", ok, count);
    }
    EVP_PKEY_free(pub);
    se05x_close(s);
    return rc;
}
