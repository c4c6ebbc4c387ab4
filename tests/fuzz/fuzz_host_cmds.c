/* SPDX-License-Identifier: Apache-2.0 */
/* (f) The host's command-response parsers (lib/cmd_*.c, session.c, ossl.c,
 * refkey.c from the chip) with the fuzzer playing the chip (OpenSC's
 * fuzzer_reader idea): a link whose every R-APDU is the next length-prefixed
 * chunk of the input (fz_chunk; an exhausted input is a dead link). The input
 * is a series of [command selector byte][responses...]; each command must
 * return (OK or an error with a message), never read or write out of bounds. */
#include <stdlib.h>
#include <string.h>

#include <se05x/ossl.h>
#include <se05x/refkey.h>

#include "fuzz_util.h"
#include "internal.h"

struct fz_link {
    struct se05x_link base;
    struct fz f;
    unsigned calls;
};

static se05x_rc l_transceive(struct se05x_link *l, const uint8_t *c, size_t clen, uint8_t *r,
                             size_t rcap, size_t *rlen, struct se05x_error *err)
{
    struct fz_link *k = (struct fz_link *)l;
    (void)c;
    if (!c || clen < 4)
        abort(); /* the command layer never sends less than a header */
    size_t n;
    const uint8_t *p;
    if (++k->calls > 200 || !k->f.n || !(p = fz_chunk(&k->f, &n))) {
        *rlen = 0;
        return se05x_err_set(err, SE05X_E_LINK, 0, 0, "fuzz chip: gone");
    }
    if (n > rcap)
        n = rcap;
    memcpy(r, p, n);
    *rlen = n;
    return SE05X_OK;
}

static void l_close(struct se05x_link *l) { (void)l; }

static const struct se05x_link_ops fz_link_ops = {.name = "fuzz", .transceive = l_transceive,
                                                  .close = l_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet++)
        fz_quiet();
    struct fz_link k = {.base = {.ops = &fz_link_ops}, .f = {data, size}};
    se05x_session *s = NULL;
    if (se05x_session_from_link(&k.base, "fuzz", false, &s, NULL) != SE05X_OK)
        abort();
    uint8_t buf[600], uid[18], set[17], dg[66];
    size_t n;
    bool b;
    uint8_t t;
    uint16_t v;
    se05x_objid ids[64];
    memset(dg, 0x33, sizeof dg);
    for (int i = 0; i < 16 && k.f.n; i++) {
        struct se05x_applet_info ai;
        struct se05x_object_info oi;
        se05x_objid *all = NULL;
        uint8_t *bin = NULL;
        EVP_PKEY *pk = NULL;
        char *pem = NULL;
        se05x_curve c;
        k.calls = 0;
        switch (fz_u8(&k.f) % 28) {
        case 0: (void)se05x_get_version(s, &ai); break;
        case 1: (void)se05x_get_random(s, buf, 40); break;
        case 2: (void)se05x_get_free_memory(s, SE05X_MEMORY_PERSISTENT, &v); break;
        case 3: (void)se05x_object_exists(s, 1, &b); break;
        case 4: (void)se05x_read_type(s, 1, &t, &b); break;
        case 5: (void)se05x_read_size(s, 1, &v); break;
        case 6: (void)se05x_read_id_list(s, 0, 0xFF, ids, 64, &n, &b); break;
        case 7:
            if (se05x_list_objects(s, 0xFF, &all, &n) == SE05X_OK)
                free(all);
            break;
        case 8: (void)se05x_object_info(s, 1, &oi); break;
        case 9: (void)se05x_read_object(s, 1, 0, 0, buf, sizeof buf, &n); break;
        case 10: (void)se05x_read_rsa_component(s, 1, 0, buf, sizeof buf, &n); break;
        case 11:
            if (se05x_read_binary(s, 1, &bin, &n) == SE05X_OK)
                free(bin);
            break;
        case 12: (void)se05x_read_uid(s, uid); break;
        case 13: (void)se05x_read_curve_list(s, set); break;
        case 14:
            se05x_curve_cache_set(s, SE05X_EC_NIST_P256, false);
            (void)se05x_ensure_curve(s, SE05X_EC_NIST_P256);
            break;
        case 15: (void)se05x_get_curve_id(s, 1, &c); break;
        case 16: (void)se05x_ecdsa_sign_digest(s, 1, dg, 32, buf, sizeof buf, &n); break;
        case 17: (void)se05x_ecdsa_sign_digest(s, 1, dg, 17, buf, sizeof buf, &n); break;
        case 18: (void)se05x_ecdsa_verify(s, 1, SE05X_MD_SHA256, dg, 32, dg, 8, &b); break;
        case 19: (void)se05x_ecdh(s, 1, dg, 65, buf, sizeof buf, &n); break;
        case 20: (void)se05x_rsa_sign(s, 1, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, dg, 5, buf, sizeof buf, &n); break;
        case 21:
            (void)se05x_rsa_sign_digest(s, 1, 1024, SE05X_RSA_PAD_PKCS1, SE05X_MD_SHA256, 0, dg, 32, buf,
                                        sizeof buf, &n);
            break;
        case 22: (void)se05x_rsa_decrypt(s, 1, SE05X_RSA_PAD_NONE, dg, 64, buf, sizeof buf, &n); break;
        case 23: (void)se05x_write_binary(s, 1, buf, 520, NULL); break;
        case 24: (void)se05x_reset_objects(s, &n); break;
        case 25:
            if (se05x_read_pubkey(s, 1, &pk) == SE05X_OK)
                EVP_PKEY_free(pk);
            break;
        case 26:
            if (se05x_refkey_from_chip(s, 1, SE05X_REFKEY_PKCS8, &pem, &n) == SE05X_OK)
                free(pem);
            break;
        default: {
            /* the raw exchange */
            static const uint8_t ver[] = {0x80, 0x04, 0x00, 0x20, 0x00};
            uint8_t r[1200];
            size_t rl = 0;
            if (se05x_transceive(s, ver, sizeof ver, r, sizeof r, &rl) == SE05X_OK && rl > sizeof r)
                abort();
            break;
        }
        }
        if (k.calls > 220)
            abort(); /* a command that keeps going after the link died */
    }
    se05x_close(s);
    return 0;
}
