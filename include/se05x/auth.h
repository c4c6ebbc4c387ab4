/* SPDX-License-Identifier: Apache-2.0 */
/* Applet authenticated sessions (docs/scp03.md "Applet sessions"): an
 * se05x_session may hold one applet session authenticated with a UserID or
 * an AESKey auth object. While it is open every command of the se05x_session
 * runs inside it (ProcessSessionCmd; with AESKey also wrapped by the applet
 * SCP03 channel of that key), on top of Platform SCP03 or a plain link, and
 * object policies are evaluated for its auth object. */
#ifndef SE05X_AUTH_H
#define SE05X_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <se05x/session.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CreateSession(auth_id) + VerifySessionUserID(value, 4..16 bytes). A wrong
 * value leaves no session open (the chip counts the failed attempt). */
se05x_rc se05x_auth_open_userid(se05x_session *s, se05x_objid auth_id, const uint8_t *value, size_t len);
/* CreateSession(auth_id) + applet SCP03 handshake with the AES-128 key of
 * the AESKey object (INITIALIZE UPDATE / EXTERNAL AUTHENTICATE, level 33,
 * KVN 00). Answers inside are R-MAC checked like Platform SCP03's. */
se05x_rc se05x_auth_open_aeskey(se05x_session *s, se05x_objid auth_id, const uint8_t *key, size_t keylen);
/* CloseSession; the se05x_session goes back to commands outside any applet
 * session (also when the chip's answer is an error). */
se05x_rc se05x_auth_close(se05x_session *s);
/* Auth object of the open applet session, 0 when none. */
se05x_objid se05x_auth_id(const se05x_session *s);

/* WriteUserID (docs/protocol/apdu.md §4.3, §13): creates the UserID auth
 * object `auth_id` with `value` (4..16 bytes), the policy of opts (NULL: the
 * applet default) and the attempt limit (0 = unlimited); or, when it exists,
 * changes its value (its policy must allow WRITE to the caller's session;
 * policy and limit stay as created). Never transient. */
se05x_rc se05x_userid_write(se05x_session *s, se05x_objid auth_id, const uint8_t *value, size_t len,
                            uint16_t max_attempts, const struct se05x_write_opts *opts);
/* ReadAttributes of an auth object (docs/protocol/apdu.md §19): the chip's
 * failed-attempt counter and its limit (0 = unlimited). SE05X_E_WRONG_TYPE
 * for an object that is not an auth object. */
se05x_rc se05x_auth_attempts(se05x_session *s, se05x_objid auth_id, uint16_t *failed, uint16_t *max);

/* Ends every applet session on the chip, of every client (deselects and
 * re-selects the applet; docs/protocol/userid-pin.md §4): frees the two
 * session slots held by clients that ended without CloseSession. Other
 * clients' sessions end too; they must authenticate again. */
se05x_rc se05x_auth_sessions_reset(se05x_session *s);

#ifdef __cplusplus
}
#endif
#endif
