/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 static key rotation (docs/scp03.md "Key rotation"). */
#ifndef SE05X_SCP03_PUBLIC_H
#define SE05X_SCP03_PUBLIC_H

#include <stdint.h>

#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Replaces the chip's Platform SCP03 static keys (ENC, MAC, DEK, AES-128)
 * with those of the NXP key file new_keys, which must already be on disk
 * (a regular file of the caller, mode 0600: the new keys are written
 * before the chip is told). Sends GlobalPlatform PUT KEY inside the open
 * Platform SCP03 session (refused on a plain link or inside an applet
 * session; same key version) and accepts it only when the chip answers the
 * KVN and the three key check values that were sent. kcv (optional, 10
 * bytes) receives them. Errors: SE05X_E_BAD_ARG / SE05X_E_FORMAT / SE05X_E_IO
 * (nothing sent), an SE05X_E_* of the chip's SW (refused: the old keys
 * are still valid), SE05X_E_LINK / SE05X_E_TIMEOUT / SE05X_E_PROTOCOL (no
 * or garbled answer: either key set may be valid, try the old then the
 * new). On success the session's later re-authentications use the new keys. */
se05x_rc se05x_scp03_rotate(se05x_session *s, const char *new_keys, uint8_t kcv[10]);

#ifdef __cplusplus
}
#endif
#endif
