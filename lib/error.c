/* SPDX-License-Identifier: Apache-2.0 */
/* Error codes, status-word mapping and error-detail formatting. */
#include <stdio.h>
#include <string.h>

#include "session_priv.h"
#include "se05x_proto.h"

const char *se05x_strerror(se05x_rc rc)
{
    switch (rc) {
    case SE05X_OK: return "success";
    case SE05X_E_BAD_ARG: return "bad argument";
    case SE05X_E_NOT_FOUND: return "object not found";
    case SE05X_E_EXISTS: return "object already exists";
    case SE05X_E_WRONG_TYPE: return "object has another type";
    case SE05X_E_DENIED: return "denied by object policy";
    case SE05X_E_CONDITIONS: return "conditions of use not satisfied";
    case SE05X_E_NO_MEMORY: return "chip memory full";
    case SE05X_E_WRONG_DATA: return "chip rejected the data";
    case SE05X_E_UNSUPPORTED: return "not supported";
    case SE05X_E_CARD: return "chip reported an error";
    case SE05X_E_LINK: return "link failure";
    case SE05X_E_TIMEOUT: return "timed out";
    case SE05X_E_PROTOCOL: return "malformed frame or response";
    case SE05X_E_FORMAT: return "malformed input";
    case SE05X_E_CRYPTO: return "cryptographic operation failed";
    case SE05X_E_IO: return "file I/O error";
    case SE05X_E_NOMEM: return "out of memory";
    case SE05X_E_INTERNAL: return "internal error";
    case SE05X_E_KEY_MISMATCH: return "key file does not match the chip's key";
    }
    return "unknown error";
}

se05x_rc se05x_rc_from_sw(uint16_t sw)
{
    switch (sw) {
    case SE05X_SW_OK: return SE05X_OK;
    case SE05X_SW_NOT_ALLOWED: return SE05X_E_DENIED;     /* 6986 policy */
    case SE05X_SW_SECURITY_STATUS: return SE05X_E_DENIED; /* 6982 needs a session */
    case SE05X_SW_CONDITIONS: return SE05X_E_CONDITIONS;  /* 6985 */
    case SE05X_SW_FILE_FULL: return SE05X_E_NO_MEMORY;    /* 6A84 */
    case SE05X_SW_FILE_NOT_FOUND: return SE05X_E_NOT_FOUND; /* 6A82 */
    case 0x6A88: return SE05X_E_NOT_FOUND;                /* referenced data not found */
    case SE05X_SW_WRONG_DATA:                             /* 6A80 */
    case SE05X_SW_DATA_INVALID:                           /* 6984 */
    case SE05X_SW_WRONG_LENGTH:                           /* 6700 */
    case SE05X_SW_INCORRECT_DATA_OBJECT:                  /* 6988 */
        return SE05X_E_WRONG_DATA;
    case SE05X_SW_INS_NOT_SUPPORTED:                      /* 6D00 */
    case SE05X_SW_CLA_NOT_SUPPORTED:                      /* 6E00 */
    case SE05X_SW_WRONG_P1P2:                             /* 6A86 */
    case 0x6A81:                                          /* function not supported */
        return SE05X_E_UNSUPPORTED;
    default: return SE05X_E_CARD;
    }
}

const char *se05x_sw_text(uint16_t sw)
{
    switch (sw) {
    case SE05X_SW_OK: return "success";
    case SE05X_SW_NOT_ALLOWED: return "denied by object policy";
    case SE05X_SW_SECURITY_STATUS: return "security status not satisfied";
    case SE05X_SW_CONDITIONS: return "conditions of use not satisfied";
    case SE05X_SW_FILE_FULL: return "chip memory full";
    case SE05X_SW_FILE_NOT_FOUND: return "not found";
    case 0x6A88: return "referenced data not found";
    case SE05X_SW_WRONG_DATA: return "wrong data";
    case SE05X_SW_DATA_INVALID: return "invalid data (policy)";
    case SE05X_SW_WRONG_LENGTH: return "wrong length";
    case SE05X_SW_INCORRECT_DATA_OBJECT: return "incorrect secure messaging data";
    case SE05X_SW_INS_NOT_SUPPORTED: return "instruction not supported";
    case SE05X_SW_CLA_NOT_SUPPORTED: return "class not supported";
    case SE05X_SW_WRONG_P1P2: return "wrong P1/P2";
    case 0x6A81: return "function not supported";
    case SE05X_SW_APDU_THROUGHPUT: return "APDU rate limit, retry later";
    case 0x6100: return "response data incomplete";
    default: return "chip error";
    }
}

static se05x_rc verr_set(struct se05x_error *e, se05x_rc rc, uint16_t sw, se05x_objid id,
                         const char *fmt, va_list ap)
{
    if (!e)
        return rc;
    e->rc = rc;
    e->sw = sw;
    e->objid = id;
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    if (n < 0)
        snprintf(e->msg, sizeof e->msg, "%s", se05x_strerror(rc));
    /* one line: no control characters from peer-supplied text */
    for (char *p = e->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = ' ';
    return rc;
}

se05x_rc se05x_err_set(struct se05x_error *e, se05x_rc rc, uint16_t sw, se05x_objid id,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr_set(e, rc, sw, id, fmt, ap);
    va_end(ap);
    return rc;
}

/* Used by session.c to implement se05x_fail (it owns the session lock). */
se05x_rc se05x_err_vset(struct se05x_error *e, se05x_rc rc, uint16_t sw, se05x_objid id,
                        const char *fmt, va_list ap)
{
    return verr_set(e, rc, sw, id, fmt, ap);
}
