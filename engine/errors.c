/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL error queue entries of the engine. Each context registers its own
 * library number and a heap copy of the strings (ERR_load_strings patches
 * the table, so it cannot be a shared constant); the detail of a failure
 * travels as the entry's data: "se05x: object 0x7F000001 not found on ...". */
#include "e4sss.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int reason;
    const char *text;
} reasons[] = {
    {E4SSS_R_CHIP, "secure element operation failed"},
    {E4SSS_R_OPEN, "cannot open the secure element"},
    {E4SSS_R_BAD_KEY_ID, "bad key id"},
    {E4SSS_R_NOT_A_REF_KEY, "not a reference key"},
    {E4SSS_R_WRONG_KEY_TYPE, "wrong key type"},
    {E4SSS_R_UNSUPPORTED, "unsupported operation"},
    {E4SSS_R_INTERNAL, "internal error"},
};
#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

int e4sss_errors_load(struct e4sss_ctx *c)
{
    size_t i;

    c->errlib = ERR_get_next_error_library();
    /* library name + reasons + terminator */
    c->errstr = OPENSSL_zalloc((NREASONS + 2) * sizeof(*c->errstr));
    if (c->errstr == NULL)
        return 0;
    c->errstr[0].error = ERR_PACK(c->errlib, 0, 0);
    c->errstr[0].string = "e4sss engine";
    for (i = 0; i < NREASONS; i++) {
        c->errstr[i + 1].error = ERR_PACK(c->errlib, 0, reasons[i].reason);
        c->errstr[i + 1].string = reasons[i].text;
    }
    ERR_load_strings(c->errlib, c->errstr);
    return 1;
}

void e4sss_errors_unload(struct e4sss_ctx *c)
{
    if (c->errstr == NULL)
        return;
    ERR_unload_strings(c->errlib, c->errstr);
    OPENSSL_free(c->errstr);
    c->errstr = NULL;
}

void e4sss_err_at(const struct e4sss_ctx *c, int reason, const char *file, int line,
                  const char *func, const char *fmt, ...)
{
    char msg[SE05X_ERRMSG_MAX + 64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ERR_new();
    ERR_set_debug(file, line, func);
    ERR_set_error(c != NULL ? c->errlib : ERR_LIB_ENGINE, reason, "se05x: %s", msg);
    se05x_log(SE05X_LOG_DEBUG, "engine", "error: %s", msg);
}

const char *e4sss_chip_msg(se05x_session *s, se05x_rc rc)
{
    const char *m = s != NULL ? se05x_errmsg(s) : NULL;

    return m != NULL && m[0] ? m : se05x_strerror(rc);
}
