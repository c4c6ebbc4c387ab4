/* SPDX-License-Identifier: Apache-2.0 */
/* libse05x: open host stack for the NXP EdgeLock SE05x secure element.
 * Umbrella header. See docs/api.md. Needs no OpenSSL header; the
 * EVP_PKEY helpers are in <se05x/ossl.h>, included explicitly. */
#ifndef SE05X_SE05X_H
#define SE05X_SE05X_H

#include <se05x/version.h>
#include <se05x/mem.h>
#include <se05x/error.h>
#include <se05x/log.h>
#include <se05x/types.h>
#include <se05x/session.h>
#include <se05x/attest.h>
#include <se05x/auth.h>
#include <se05x/commands.h>
#include <se05x/refkey.h>
#include <se05x/lifecycle.h>
#include <se05x/pool.h>

#endif
