/* SPDX-License-Identifier: Apache-2.0 */
/* Applet authenticated sessions (include/se05x/auth.h, docs/scp03.md
 * "Applet sessions"; protocol: docs/protocol/apdu.md §4.2 and §13, docs/protocol/scp03.md §1):
 * CreateSession outside, then the authentication inside ProcessSessionCmd
 * (session.c wraps every command once the state is set). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal.h"
#include "scp03.h"
#include "se05x_proto.h"
#include "tlv.h"

#define P2_SESSION_CREATE 0x1B
#define P2_SESSION_CLOSE 0x1C
#define P2_SESSION_USERID 0x2C

static se05x_rc create_session(se05x_session *s, se05x_objid id, uint8_t sid[8])
{
    uint8_t d[6] = {SE05X_TAG_1, 4}, r[32];
    size_t rl = 0;
    put_be32(d + 2, id);
    struct se05x_apdu a = {SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, P2_SESSION_CREATE, d, sizeof d, false};
    se05x_rc rc = se05x_cmd(s, "CreateSession", id, &a, r, sizeof r, &rl);
    if (rc != SE05X_OK)
        return rc;
    struct tlv_r t;
    const uint8_t *v = NULL;
    size_t vl = 0;
    tlv_r_init(&t, r, rl);
    if (!tlv_get(&t, SE05X_TAG_1, &v, &vl) || vl != 8)
        return se05x_fail(s, SE05X_E_PROTOCOL, 0, id, "CreateSession for 0x%08X on %s: malformed answer", id,
                          se05x_conn(s));
    memcpy(sid, v, 8);
    return SE05X_OK;
}

/* CloseSession inside the session (best effort when closing after a failure). */
static se05x_rc close_inside(se05x_session *s)
{
    struct se05x_apdu a = {SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, P2_SESSION_CLOSE, NULL, 0, false};
    return se05x_cmd(s, "CloseSession", 0, &a, NULL, 0, NULL);
}

static se05x_rc busy(se05x_session *s)
{
    return se05x_fail(s, SE05X_E_BAD_ARG, 0, se05x_auth_id(s),
                      "an applet session (auth object 0x%08X) is already open on %s; close it first",
                      se05x_auth_id(s), se05x_conn(s));
}

se05x_rc se05x_auth_open_userid(se05x_session *s, se05x_objid auth_id, const uint8_t *value, size_t len)
{
    uint8_t sid[8], d[2 + 16];
    if (!s || !auth_id || !value || len < 1 || len > 16)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, auth_id, "UserID session: bad arguments (value of 1..16 bytes)");
    se05x_rc rc = se05x_txn_begin(s);
    if (rc != SE05X_OK)
        return rc;
    if (se05x_auth_id(s)) {
        rc = busy(s);
        goto out;
    }
    if ((rc = create_session(s, auth_id, sid)) != SE05X_OK)
        goto out;
    se05x_session_applet_set(s, auth_id, sid, NULL);
    d[0] = SE05X_TAG_1;
    d[1] = (uint8_t)len;
    memcpy(d + 2, value, len);
    struct se05x_apdu a = {SE05X_CLA, SE05X_INS_MGMT, SE05X_P1_DEFAULT, P2_SESSION_USERID, d, 2 + len, false};
    rc = se05x_cmd(s, "VerifySessionUserID", 0, &a, NULL, 0, NULL);
    OPENSSL_cleanse(d, sizeof d);
    if (rc != SE05X_OK) {
        struct se05x_error keep;
        se05x_last_error(s, &keep);
        (void)close_inside(s);
        se05x_session_applet_set(s, 0, NULL, NULL);
        rc = se05x_fail(s, keep.rc, keep.sw, auth_id, "%s", keep.msg);
    }
out:
    se05x_txn_end(s);
    return rc;
}

se05x_rc se05x_auth_open_aeskey(se05x_session *s, se05x_objid auth_id, const uint8_t *key, size_t keylen)
{
    uint8_t sid[8], hc[8], c[21], r[64];
    size_t rl = 0;
    struct se05x_error e = {0};
    if (!s || !auth_id || !key || keylen != 16)
        return se05x_fail(s, SE05X_E_BAD_ARG, 0, auth_id, "AESKey session: bad arguments (AES-128 key)");
    struct se05x_scp03 *in = calloc(1, sizeof *in);
    if (!in)
        return se05x_fail(s, SE05X_E_NOMEM, 0, auth_id, "out of memory");
    memcpy(in->keys.enc, key, 16);
    memcpy(in->keys.mac, key, 16);
    memcpy(in->keys.dek, key, 16);
    in->keys.klen = 16;
    in->keys.has_dek = true;
    in->keys.kvn = 0x00;
    in->count_all = true; /* applet sessions: every command moves the counter */
    in->no_le = true;     /* no Le inside ProcessSessionCmd */
    se05x_rc rc = se05x_txn_begin(s);
    if (rc != SE05X_OK) {
        se05x_scp03_clear(in);
        free(in);
        return rc;
    }
    if (se05x_auth_id(s)) {
        se05x_scp03_clear(in);
        free(in);
        rc = busy(s);
        goto out;
    }
    if ((rc = create_session(s, auth_id, sid)) != SE05X_OK) {
        se05x_scp03_clear(in);
        free(in);
        goto out;
    }
    se05x_session_applet_set(s, auth_id, sid, in); /* channel not open yet: commands go in plain */
    if (RAND_bytes(hc, sizeof hc) != 1) {
        rc = se05x_fail(s, SE05X_E_CRYPTO, 0, auth_id, "no random host challenge (OpenSSL)");
        goto fail;
    }
    size_t n = se05x_scp03_init_update(in, hc, c);
    if ((rc = se05x_transceive(s, c, n, r, sizeof r, &rl)) != SE05X_OK)
        goto fail;
    if ((rc = se05x_scp03_auth(in, r, rl, c, &e)) != SE05X_OK) {
        rc = se05x_fail(s, rc, e.sw, auth_id, "AESKey session 0x%08X on %s: %s", auth_id, se05x_conn(s), e.msg);
        goto fail;
    }
    if ((rc = se05x_transceive(s, c, 21, r, sizeof r, &rl)) != SE05X_OK)
        goto fail;
    if ((rc = se05x_scp03_auth_done(in, r, rl, &e)) != SE05X_OK) {
        rc = se05x_fail(s, rc, e.sw, auth_id, "AESKey session 0x%08X on %s: %s", auth_id, se05x_conn(s), e.msg);
        goto fail;
    }
    goto out;
fail:
    (void)close_inside(s); /* plain inside: the channel never opened */
    se05x_session_applet_set(s, 0, NULL, NULL);
out:
    OPENSSL_cleanse(c, sizeof c);
    se05x_txn_end(s);
    return rc;
}

se05x_rc se05x_auth_close(se05x_session *s)
{
    if (!s)
        return SE05X_E_BAD_ARG;
    se05x_rc rc = se05x_txn_begin(s);
    if (rc != SE05X_OK)
        return rc;
    if (se05x_auth_id(s) && !se05x_session_applet_dead(s))
        rc = close_inside(s);
    se05x_session_applet_set(s, 0, NULL, NULL);
    se05x_txn_end(s);
    return rc;
}
