/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03, host side (docs/scp03.md; docs/protocol/scp03.md): static
 * key files, the handshake (INITIALIZE UPDATE + EXTERNAL AUTHENTICATE), the
 * session-key KDF, C-MAC + C-DEC command wrapping and R-MAC + R-ENC response
 * unwrapping at security level 0x33. Pure functions over explicit state: the
 * session core (session.c) decides when to open, use and drop a channel.
 * Written from the protocol description only; shares no code with sim/.
 * Internal to lib/. */
#ifndef SE05X_SCP03_H
#define SE05X_SCP03_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <se05x/error.h>

#define SE05X_SCP03_LEVEL 0x33  /* C-MAC | C-DEC | R-MAC | R-ENC */
#define SE05X_SCP03_DEFAULT_KVN 0x0B
/* Wrapping adds at most 16 (padding) + 8 (C-MAC) + 2 (Lc form) + 2 (Le) bytes. */
#define SE05X_SCP03_OVERHEAD 28

/* Static keys of one key set. klen 16 (AES-128) or 32 (AES-256). */
struct se05x_scp03_keys {
    uint8_t enc[32], mac[32], dek[32];
    size_t klen;
    bool has_dek;
    uint8_t kvn;
};

/* One channel. */
struct se05x_scp03 {
    struct se05x_scp03_keys keys;
    bool active;          /* EXTERNAL AUTHENTICATE succeeded, channel usable */
    bool count_all;       /* every command moves the counter (applet >= 4.3, applet sessions) */
    bool no_le;           /* never append Le (an APDU inside ProcessSessionCmd) */
    uint8_t host_chal[8], card_chal[8];
    uint8_t s_enc[32], s_mac[32], s_rmac[32];
    uint8_t mcv[16];      /* MAC chaining value */
    uint8_t ctr[16];      /* counter of the last command that carried data */
    /* algorithms fetched once per channel (EVP_MAC, EVP_CIPHER; NULL until the
     * handshake): an implicit fetch per APDU costs more than the crypto */
    void *alg_mac, *alg_ecb, *alg_cbc;
};

/* Reads a key file in NXP's format ("ENC <hex>", "MAC <hex>", "DEK <hex>",
 * '#' comments, 32 or 64 hex digits, all keys of one length). Strict: any
 * other line is an error naming file:line (never echoing key material).
 * Refuses anything but a regular file and a file writable by group/others;
 * logs a warning when it is readable by group/others. Key material read is
 * zeroized. k->kvn is left untouched. */
se05x_rc se05x_scp03_keys_load(const char *path, struct se05x_scp03_keys *k, struct se05x_error *err);
/* Parses key-file text (path only labels messages). */
se05x_rc se05x_scp03_keys_parse(const char *text, size_t n, const char *path,
                                struct se05x_scp03_keys *k, struct se05x_error *err);
void se05x_scp03_keys_clear(struct se05x_scp03_keys *k);

/* AES-CMAC(key of klen bytes, data) into out[16]. */
bool se05x_scp03_cmac(const uint8_t *key, size_t klen, const uint8_t *data, size_t n, uint8_t out[16]);
/* KDF of the handshake: `lbits` bits (64, 128 or 256) derived with `constant`
 * from key and context (host challenge || card challenge). */
bool se05x_scp03_kdf(const uint8_t *key, size_t klen, uint8_t constant, uint16_t lbits,
                     const uint8_t ctx[16], uint8_t *out);

/* Handshake, step 1: the INITIALIZE UPDATE C-APDU (13 bytes) for a fresh
 * host challenge (taken from `host_chal`, which the caller fills with random
 * bytes; tests pass fixed ones). Resets the channel state. */
size_t se05x_scp03_init_update(struct se05x_scp03 *st, const uint8_t host_chal[8], uint8_t out[13]);
/* Step 2: checks the INITIALIZE UPDATE answer (data + SW), derives the
 * session keys, verifies the card cryptogram and builds the EXTERNAL
 * AUTHENTICATE C-APDU (21 bytes). Errors: SW not 9000, wrong length, key
 * version/SCP id mismatch, card cryptogram mismatch (wrong keys). */
se05x_rc se05x_scp03_auth(struct se05x_scp03 *st, const uint8_t *rsp, size_t rlen, uint8_t out[21],
                          struct se05x_error *err);
/* Step 3: the EXTERNAL AUTHENTICATE answer; activates the channel. */
se05x_rc se05x_scp03_auth_done(struct se05x_scp03 *st, const uint8_t *rsp, size_t rlen,
                               struct se05x_error *err);

/* Wraps one encoded plain C-APDU (the forms of docs/protocol/apdu.md §3.3, CLA 80) into
 * out. Moves the counter and the MCV. */
se05x_rc se05x_scp03_wrap(struct se05x_scp03 *st, const uint8_t *c, size_t clen, uint8_t *out,
                          size_t cap, size_t *olen, struct se05x_error *err);
/* Unwraps one R-APDU in place: SW 9000 answers must carry a valid R-MAC and
 * correctly padded R-ENC data; other SWs are taken bare (data dropped).
 * SE05X_E_PROTOCOL "response failed its integrity check" on any mismatch
 * (the caller must then drop the channel). */
se05x_rc se05x_scp03_unwrap(struct se05x_scp03 *st, uint8_t *r, size_t *rlen, struct se05x_error *err);

/* Zeroizes the session part (keys and fetched algorithms kept) / everything
 * (algorithms freed). */
void se05x_scp03_drop(struct se05x_scp03 *st);
void se05x_scp03_clear(struct se05x_scp03 *st);

#endif
