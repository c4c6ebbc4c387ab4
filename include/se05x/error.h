/* SPDX-License-Identifier: Apache-2.0 */
/* One error type for the whole stack (docs/architecture.md "Public API shape").
 * Every function of libse05x returns an se05x_rc; the detail (status word,
 * object id, port, one-line message) of the calling thread's last failure
 * on a session is readable with se05x_last_error(). */
#ifndef SE05X_ERROR_H
#define SE05X_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI: every value below is fixed for good (docs/api.md "ABI rules"); new
 * members get new numbers, none is ever renumbered or reused. */
typedef enum {
    SE05X_OK = 0,
    SE05X_E_BAD_ARG = 1,     /* caller error: malformed key id, bad length, NULL ... */
    SE05X_E_NOT_FOUND = 2,   /* object does not exist on the chip */
    SE05X_E_EXISTS = 3,      /* object already exists (and may not be overwritten) */
    SE05X_E_WRONG_TYPE = 4,  /* object exists but is of another type / curve / key part */
    SE05X_E_DENIED = 5,      /* denied by the object policy (SW 6986) */
    SE05X_E_CONDITIONS = 6,  /* conditions of use not satisfied (SW 6985), e.g. private read */
    SE05X_E_NO_MEMORY = 7,   /* chip memory full (SW 6A84) */
    SE05X_E_WRONG_DATA = 8,  /* chip rejected the data (SW 6A80 / 6984 / 6700) */
    SE05X_E_UNSUPPORTED = 9, /* not supported by the chip or by this library */
    SE05X_E_CARD = 10,       /* any other status word from the chip */
    SE05X_E_LINK = 11,       /* transport failure: refused/unreachable port, I/O error, EOF */
    SE05X_E_TIMEOUT = 12,    /* transport timeout */
    SE05X_E_PROTOCOL = 13,   /* malformed frame or response (hostile or corrupted peer) */
    SE05X_E_FORMAT = 14,     /* malformed input file (PEM/DER/ref key) */
    SE05X_E_CRYPTO = 15,     /* host-side OpenSSL failure, or signature did not verify */
    SE05X_E_IO = 16,         /* host file I/O */
    SE05X_E_NOMEM = 17,      /* host allocation failure */
    SE05X_E_INTERNAL = 18,
    SE05X_E_KEY_MISMATCH = 19, /* the caller's public key (reference key file) is not the chip's key */
} se05x_rc;

/* Static text for a code alone ("object not found", ...). Never NULL. */
const char *se05x_strerror(se05x_rc rc);

/* Maps an ISO/applet status word to a code (0x9000 -> SE05X_OK). */
se05x_rc se05x_rc_from_sw(uint16_t sw);

/* Detail of one failure. */
#define SE05X_ERRMSG_MAX 256
struct se05x_error {
    se05x_rc rc;
    uint16_t sw;     /* status word, 0 when the failure was not from the chip */
    uint32_t objid;  /* object concerned, 0 when none */
    char msg[SE05X_ERRMSG_MAX]; /* one line, e.g. "object 0x7F000001 not found on 127.0.0.1:8050" */
};

#ifdef __cplusplus
}
#endif
#endif
