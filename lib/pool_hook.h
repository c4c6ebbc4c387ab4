/* SPDX-License-Identifier: Apache-2.0 */
/* Test hook of the session pool (lib/pool.c). Internal: not in a public
 * header, so not exported by libse05x.so (its version script lists only the
 * public headers' functions); harnesses that link the static library use it
 * (tests/fuzz/fuzz_pkcs11.c). */
#ifndef SE05X_POOL_HOOK_H
#define SE05X_POOL_HOOK_H

#include <se05x/pool.h>

/* Makes s the pool's open session for conn (NULL or "": the default
 * connection, as se05x_pool_get names it), as if a get had opened it, with
 * no user. The pool owns it from then on: gets hand it out, a link failure
 * retires it, se05x_pool_free closes it. SE05X_E_CONDITIONS (s untouched)
 * when conn already has a session or is being opened, SE05X_E_BAD_ARG when
 * the pool is full or an argument is missing. */
se05x_rc se05x_pool_adopt(se05x_pool *p, const char *conn, se05x_session *s);

#endif
