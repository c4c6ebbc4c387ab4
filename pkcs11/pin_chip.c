/* SPDX-License-Identifier: Apache-2.0 */
/* The PIN held by the chip (docs/pkcs11.md "PIN held by the chip";
 * protocol facts: docs/protocol/userid-pin.md).
 *
 * SE05X_PKCS11_PIN_MODE=chip (or "pkcs11_pin_mode = chip" in se05x.conf):
 * the user PIN is the value of the UserID auth object P11_PIN_USERID. C_Login
 * opens an applet session authenticated with it (the chip counts wrong
 * values and blocks the object at its attempt limit); keys created through
 * the token carry a policy that grants their use to that session only;
 * C_SetPIN creates the object (first time, from the default PIN 1234) or
 * changes its value inside a session authenticated with the old PIN.
 * The default ("host") mode is untouched: NXP-compatible host-side PIN. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include <se05x/auth.h>

#include "p11.h"

#define MODE_UNKNOWN P11_PIN_MODE_UNREAD
#define MODE_HOST P11_PIN_MODE_HOST
#define MODE_CHIP P11_PIN_MODE_CHIP
#define MODE_BAD P11_PIN_MODE_BAD

/* Reads the mode and the attempt limit once (environment, then the
 * configuration file). A bad value fails closed: every login is refused. */
static int mode(struct p11_ctx *ctx)
{
    if (ctx->pin_mode != MODE_UNKNOWN)
        return ctx->pin_mode;
    char v[32] = "";
    struct se05x_error err;
    memset(&err, 0, sizeof(err));
    const char *env = getenv("SE05X_PKCS11_PIN_MODE");
    int got = env && *env ? (snprintf(v, sizeof(v), "%s", env), 1) : se05x_conf_value("pkcs11_pin_mode", v, sizeof(v), &err);
    if (got < 0) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "PIN mode: %s", err.msg);
        return ctx->pin_mode = MODE_BAD;
    }
    if (got == 0 || strcmp(v, "host") == 0)
        return ctx->pin_mode = MODE_HOST;
    if (strcmp(v, "chip") != 0) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "SE05X_PKCS11_PIN_MODE '%.20s': expected host or chip; login refused", v);
        return ctx->pin_mode = MODE_BAD;
    }
    ctx->pin_tries = P11_PIN_TRIES_DEFAULT;
    env = getenv("SE05X_PKCS11_PIN_TRIES");
    got = env && *env ? (snprintf(v, sizeof(v), "%s", env), 1) : se05x_conf_value("pkcs11_pin_tries", v, sizeof(v), &err);
    if (got < 0) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "PIN attempts: %s", err.msg);
        return ctx->pin_mode = MODE_BAD;
    }
    if (got) {
        char *end = NULL;
        unsigned long n = strtoul(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || !end || *end || n < 1 || n > 0xFFFF) {
            se05x_log(SE05X_LOG_ERROR, "pkcs11", "SE05X_PKCS11_PIN_TRIES '%.20s': expected 1..65535; login refused", v);
            return ctx->pin_mode = MODE_BAD;
        }
        ctx->pin_tries = (uint16_t)n;
    }
    return ctx->pin_mode = MODE_CHIP;
}

enum p11_pin_mode p11_pin_mode(struct p11_ctx *ctx)
{
    return (enum p11_pin_mode)mode(ctx);
}

int p11_pin_chip_on(struct p11_ctx *ctx)
{
    return mode(ctx) == MODE_CHIP;
}

const struct se05x_policy *p11_pin_chip_policy(struct p11_ctx *ctx, struct se05x_policy *pol)
{
    if (mode(ctx) != MODE_CHIP)
        return NULL;
    memset(pol, 0, sizeof(*pol));
    /* outside the PIN session: the public part only (docs/protocol/userid-pin.md §3) */
    pol->rule[0].auth_id = 0;
    pol->rule[0].rules = SE05X_POLICY_READ | SE05X_POLICY_VERIFY | SE05X_POLICY_ENC;
    pol->rule[1].auth_id = P11_PIN_USERID;
    pol->rule[1].rules = SE05X_POLICY_SIGN | SE05X_POLICY_VERIFY | SE05X_POLICY_KA | SE05X_POLICY_ENC |
                         SE05X_POLICY_DEC | SE05X_POLICY_READ | SE05X_POLICY_WRITE | SE05X_POLICY_GEN |
                         SE05X_POLICY_DELETE;
    pol->n = 2;
    return pol;
}

/* The UserID's own policy: only a session authenticated with it may change
 * or delete it; nothing else may touch it. */
static void userid_policy(struct se05x_policy *pol)
{
    memset(pol, 0, sizeof(*pol));
    pol->rule[0].auth_id = P11_PIN_USERID;
    pol->rule[0].rules = SE05X_POLICY_WRITE | SE05X_POLICY_DELETE;
    pol->n = 1;
}

static void forget_pin(struct p11_ctx *ctx)
{
    OPENSSL_cleanse(ctx->chip_pin, sizeof(ctx->chip_pin));
    ctx->chip_pin_len = 0;
}

static int pin_ok_len(CK_ULONG len)
{
    return len >= P11_CHIP_PIN_MIN && len <= P11_CHIP_PIN_MAX;
}

/* Creates the UserID with this value, the policy above and the attempt limit. */
static CK_RV userid_create(struct p11_ctx *ctx, se05x_session *se, const uint8_t *pin, size_t len)
{
    struct se05x_policy pol;
    userid_policy(&pol);
    struct se05x_write_opts wo = {.policy = &pol, .transient = 0};
    se05x_rc rc = se05x_userid_write(se, P11_PIN_USERID, pin, len, ctx->pin_tries, &wo);
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    se05x_log(SE05X_LOG_INFO, "pkcs11", "PIN UserID 0x%08X created on the chip (%u attempts)",
              (unsigned)P11_PIN_USERID, (unsigned)ctx->pin_tries);
    return CKR_OK;
}

/* 1 when the chip's counter has reached the limit (blocked). */
static int blocked(struct p11_ctx *ctx, se05x_session *se)
{
    uint16_t failed = 0, max = 0;
    if (se05x_auth_attempts(se, P11_PIN_USERID, &failed, &max) != SE05X_OK)
        return 0;
    (void)ctx;
    return max && failed >= max;
}

/* The default PIN: the only one that may create the PIN object. */
static bool is_default_pin(const uint8_t *pin, size_t len)
{
    return len == strlen(P11_DEFAULT_PIN) && CRYPTO_memcmp(pin, P11_DEFAULT_PIN, len) == 0;
}

/* C_Login and C_SetPIN: the chip session in *se and whether the PIN UserID
 * exists in *ex. Without it only the default PIN (`given`) may go on, to
 * create it; another is refused with CKR_PIN_INCORRECT, `refusal` logged. */
static CK_RV userid_state(struct p11_ctx *ctx, const uint8_t *given, size_t len, const char *refusal,
                          se05x_session **se, bool *ex)
{
    *ex = false;
    *se = p11_chip(ctx);
    if (!*se)
        return CKR_DEVICE_ERROR;
    se05x_rc rc = se05x_object_exists(*se, P11_PIN_USERID, ex);
    if (rc != SE05X_OK)
        return p11_rv(ctx, rc);
    if (!*ex && !is_default_pin(given, len)) {
        se05x_log(SE05X_LOG_WARN, "pkcs11", "%s", refusal);
        return CKR_PIN_INCORRECT;
    }
    return CKR_OK;
}

static void close_session(se05x_session *se)
{
    if (se && se05x_auth_id(se))
        (void)se05x_auth_close(se);
}

/* Opens the applet session with pin. CKR_PIN_INCORRECT / CKR_PIN_LOCKED from
 * the chip's answer and counter. */
static CK_RV open_session(struct p11_ctx *ctx, se05x_session *se, const uint8_t *pin, size_t len)
{
    close_session(se);
    if (blocked(ctx, se)) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "PIN UserID 0x%08X is blocked (attempt limit reached); nothing sent",
                  (unsigned)P11_PIN_USERID);
        return CKR_PIN_LOCKED;
    }
    se05x_rc rc = se05x_auth_open_userid(se, P11_PIN_USERID, pin, len);
    if (rc == SE05X_E_NO_MEMORY) {
        /* Both session slots taken (docs/protocol/userid-pin.md §4): clients
         * that ended without CloseSession hold them until the applet is
         * deselected. End them all (live ones authenticate again) and retry once. */
        se05x_log(SE05X_LOG_WARN, "pkcs11", "no free applet session on the chip; ending the stale ones");
        if ((rc = se05x_auth_sessions_reset(se)) == SE05X_OK)
            rc = se05x_auth_open_userid(se, P11_PIN_USERID, pin, len);
    }
    if (rc == SE05X_OK)
        return CKR_OK;
    if (rc != SE05X_E_CONDITIONS && rc != SE05X_E_DENIED)
        return p11_rv(ctx, rc);
    if (blocked(ctx, se)) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "wrong PIN: the chip blocked PIN UserID 0x%08X", (unsigned)P11_PIN_USERID);
        return CKR_PIN_LOCKED;
    }
    se05x_log(SE05X_LOG_WARN, "pkcs11", "C_Login: wrong PIN (counted by the chip)");
    return CKR_PIN_INCORRECT;
}

/* Opens the applet session again with the PIN of the current login; when
 * that fails the login ends (logged out, PIN forgotten). */
static CK_RV reopen_session(struct p11_ctx *ctx, se05x_session *se)
{
    uint8_t pin[P11_CHIP_PIN_MAX];
    size_t len = ctx->chip_pin_len;
    memcpy(pin, ctx->chip_pin, len);
    CK_RV rv = open_session(ctx, se, pin, len);
    OPENSSL_cleanse(pin, sizeof(pin));
    if (rv != CKR_OK) {
        ctx->logged_in = 0;
        forget_pin(ctx);
    }
    return rv;
}

CK_RV p11_pin_chip_login(struct p11_ctx *ctx, CK_USER_TYPE type, const CK_UTF8CHAR *pin, CK_ULONG len)
{
    if (mode(ctx) == MODE_BAD)
        return CKR_GENERAL_ERROR;
    if (type == CKU_CONTEXT_SPECIFIC) { /* the session is open already: compare with its PIN */
        if (!ctx->logged_in)
            return CKR_USER_NOT_LOGGED_IN;
        if (!pin || len != ctx->chip_pin_len ||
            CRYPTO_memcmp(pin, ctx->chip_pin, len) != 0)
            return CKR_PIN_INCORRECT;
        return CKR_OK;
    }
    if (!pin || !pin_ok_len(len)) {
        se05x_log(SE05X_LOG_WARN, "pkcs11", "C_Login: a chip PIN has %d..%d characters (not sent to the chip)",
                  P11_CHIP_PIN_MIN, P11_CHIP_PIN_MAX);
        return CKR_PIN_INCORRECT;
    }
    se05x_session *se;
    bool ex;
    CK_RV rv = userid_state(ctx, pin, len, "C_Login: no PIN on the chip yet; the first PIN is the default", &se, &ex);
    if (rv != CKR_OK)
        return rv;
    /* No PIN on the chip yet: the default PIN creates it (as C_SetPIN 1234 -> 1234). */
    if (!ex && (rv = userid_create(ctx, se, pin, len)) != CKR_OK)
        return rv;
    if ((rv = open_session(ctx, se, pin, len)) != CKR_OK)
        return rv;
    memcpy(ctx->chip_pin, pin, len);
    ctx->chip_pin_len = len;
    ctx->logged_in = 1;
    return CKR_OK;
}

void p11_pin_chip_logout(struct p11_ctx *ctx)
{
    /* The applet session lives on the pool's chip session, which outlasts
     * the entry point: take it (only when there is a PIN session to end). */
    if (ctx->pin_mode == MODE_CHIP && ctx->chip_pin_len)
        close_session(ctx->se ? ctx->se : p11_chip(ctx));
    forget_pin(ctx);
}

int p11_pin_chip_retry(struct p11_ctx *ctx, CK_RV rv)
{
    if (rv != CKR_KEY_FUNCTION_NOT_PERMITTED || ctx->pin_mode != MODE_CHIP || !ctx->logged_in || !ctx->chip_pin_len)
        return 0;
    /* Another client's SELECT, a chip reset or a reconnect ends the applet
     * session; the chip then refuses the key. Authenticate again, once. */
    se05x_session *se = p11_chip(ctx);
    if (!se)
        return 0;
    if (reopen_session(ctx, se) != CKR_OK) {
        se05x_log(SE05X_LOG_ERROR, "pkcs11", "PIN session lost and cannot be re-opened; logged out");
        return 0;
    }
    se05x_log(SE05X_LOG_INFO, "pkcs11", "PIN session re-opened on the chip");
    return 1;
}

CK_RV p11_pin_chip_setpin(struct p11_ctx *ctx, const CK_UTF8CHAR *old, CK_ULONG oldlen, const CK_UTF8CHAR *pin,
                          CK_ULONG len)
{
    if (mode(ctx) == MODE_BAD)
        return CKR_GENERAL_ERROR;
    if (!pin || !pin_ok_len(len))
        return CKR_PIN_LEN_RANGE;
    if (!old || !pin_ok_len(oldlen))
        return CKR_PIN_INCORRECT;
    se05x_session *se;
    bool ex;
    CK_RV rv = userid_state(ctx, old, oldlen, "C_SetPIN: no PIN on the chip yet; the old PIN is the default", &se, &ex);
    if (rv != CKR_OK)
        return rv;
    if (!ex)
        return userid_create(ctx, se, pin, len);
    int was_in = ctx->logged_in;
    /* Authenticate with the old PIN (counted), change the value inside. */
    rv = open_session(ctx, se, old, oldlen);
    if (rv == CKR_OK) {
        struct se05x_write_opts wo = {.policy = NULL, .transient = 0};
        se05x_rc rc = se05x_userid_write(se, P11_PIN_USERID, pin, len, 0, &wo);
        if (rc != SE05X_OK)
            rv = p11_rv(ctx, rc);
    }
    if (rv == CKR_OK && was_in) {
        memcpy(ctx->chip_pin, pin, len); /* the session stays authenticated */
        ctx->chip_pin_len = len;
        return CKR_OK;
    }
    se = ctx->se;
    close_session(se);
    if (was_in && se && ctx->chip_pin_len) /* failed: back to the session of the current login */
        (void)reopen_session(ctx, se);
    if (rv == CKR_OK)
        se05x_log(SE05X_LOG_INFO, "pkcs11", "PIN changed on the chip");
    return rv;
}

void p11_pin_chip_token_info(struct p11_ctx *ctx, se05x_session *se, CK_TOKEN_INFO *ti)
{
    if (mode(ctx) != MODE_CHIP)
        return;
    ti->ulMinPinLen = P11_CHIP_PIN_MIN;
    ti->ulMaxPinLen = P11_CHIP_PIN_MAX;
    bool ex = false;
    if (se05x_object_exists(se, P11_PIN_USERID, &ex) != SE05X_OK)
        return;
    if (!ex) {
        ti->flags |= CKF_USER_PIN_TO_BE_CHANGED; /* the default PIN is still the PIN */
        return;
    }
    uint16_t failed = 0, max = 0;
    if (se05x_auth_attempts(se, P11_PIN_USERID, &failed, &max) != SE05X_OK)
        return;
    if (failed)
        ti->flags |= CKF_USER_PIN_COUNT_LOW;
    if (max && failed >= max)
        ti->flags |= CKF_USER_PIN_LOCKED;
    else if (max && failed + 1u == max)
        ti->flags |= CKF_USER_PIN_FINAL_TRY;
}
