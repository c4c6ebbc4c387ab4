/* SPDX-License-Identifier: Apache-2.0 */
/* Errors on the OpenSSL error queue, through the core's error functions. */
#include <stdarg.h>
#include <stdio.h>
#include "sxp.h"

static const OSSL_ITEM sxp_reasons[] = {
    { SXP_R_CHIP, "se05x chip operation failed" },
    { SXP_R_NOT_CHIP_KEY, "not an se05x key" },
    { SXP_R_EXPORT_DENIED, "private key export refused" },
    { SXP_R_BAD_PARAM, "unsupported parameter" },
    { SXP_R_BAD_URI, "malformed se05x key URI" },
    { SXP_R_BAD_KEY, "malformed reference key" },
    { SXP_R_UNSUPPORTED, "operation not supported by the se05x provider" },
    { SXP_R_INTERNAL, "internal error" },
    { 0, NULL }
};

const OSSL_ITEM *sxp_reason_strings(void)
{
    return sxp_reasons;
}

/* vset_error takes a va_list: this gives it one for "%s". */
static void sxp_err_push(SXP_PROV *p, int reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->up_vset_error(p->handle, (uint32_t)reason, fmt, ap);
    va_end(ap);
}

void sxp_err(SXP_PROV *p, int reason, const char *fmt, ...)
{
    va_list ap;
    char line[512];
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    se05x_log(SE05X_LOG_DEBUG, "provider", "%s", line);
    if (p == NULL || p->up_new_error == NULL || p->up_vset_error == NULL)
        return;
    p->up_new_error(p->handle);
    if (p->up_set_error_debug != NULL)
        p->up_set_error_debug(p->handle, OPENSSL_FILE, OPENSSL_LINE, NULL);
    sxp_err_push(p, reason, "%s", line);
}

void sxp_err_chip(SXP_PROV *p, se05x_session *s, se05x_rc rc, const char *what, se05x_objid id)
{
    const char *m = s != NULL ? se05x_errmsg(s) : NULL;
    if (m != NULL && *m != '\0')
        sxp_err(p, SXP_R_CHIP, "se05x: %s: %s", what, m);
    else
        sxp_err(p, SXP_R_CHIP, "se05x: %s of object 0x%08X failed on %s: %s", what, (unsigned)id,
                s != NULL ? se05x_conn(s) : "?", se05x_strerror(rc));
}
