/* SPDX-License-Identifier: Apache-2.0 */
/* Platform SCP03 card side (docs/protocol/scp03.md, docs/protocol/open-questions.md B3/B4,
 * A14): INITIALIZE UPDATE / EXTERNAL AUTHENTICATE, C-MAC + C-DEC command
 * unwrapping, R-ENC + R-MAC response wrapping, the 3.x counter model.
 * AES-128 static keys only. */
#ifndef SIM_SCP03_H
#define SIM_SCP03_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_scp03 {
    /* static keys and their version (default: SE050 DEVKIT, KVN 0B) */
    uint8_t enc[16], mac[16], dek[16];
    uint8_t kvn;
    /* session */
    bool pending; /* INITIALIZE UPDATE done, EXTERNAL AUTHENTICATE expected */
    bool active;
    uint8_t level; /* P1 of EXTERNAL AUTHENTICATE */
    uint8_t host_chal[8], card_chal[8];
    uint8_t s_enc[16], s_mac[16], s_rmac[16];
    uint8_t mcv[16];
    uint8_t ctr[16]; /* value of the last command with data (3.x model) */
    bool count_all;  /* applet (AESKey) sessions: every command moves the counter */
};

#define SCP_LEVEL_CMAC 0x01
#define SCP_LEVEL_CDEC 0x02
#define SCP_LEVEL_RMAC 0x10
#define SCP_LEVEL_RENC 0x20

/* DEVKIT keys (docs/protocol/scp03.md §7). */
void scp03_init(struct sim_scp03 *s);
/* Reads an ENC/MAC/DEK key file (docs/protocol/scp03.md §6 format); -1 with a message. */
int scp03_load_keys(struct sim_scp03 *s, const char *path, char *err, size_t errlen);
void scp03_reset(struct sim_scp03 *s);

/* SP 800-108 KDF of §2.2 (one AES-CMAC block, L bits <= 128). */
bool scp03_kdf(const uint8_t key[16], uint8_t constant, uint16_t lbits, const uint8_t ctx[16],
               uint8_t *out);
/* First 8 (or 16) bytes of AES-CMAC(key, data). */
bool scp03_cmac(const uint8_t key[16], const uint8_t *data, size_t n, uint8_t out[16]);

/* INITIALIZE UPDATE: host challenge in, 29-byte answer out (fixed_card_chal
 * may be NULL for a random one). Returns the SW. */
uint16_t scp03_initialize_update(struct sim_scp03 *s, uint8_t p1, const uint8_t *host_chal,
                                 size_t n, const uint8_t *fixed_card_chal, uint8_t out[29]);
/* EXTERNAL AUTHENTICATE from its raw C-APDU (84 82 P1 P2 10 cryptogram mac). */
uint16_t scp03_external_authenticate(struct sim_scp03 *s, const uint8_t *apdu, size_t n);

/* Unwraps a CLA 84 C-APDU (header h = CLA INS P1 P2, Lc as sent, data incl.
 * C-MAC, has_le) into a plain CLA 80 C-APDU in out. Returns 9000 or 6982
 * (bad MAC/padding: the session is terminated). */
uint16_t scp03_unwrap(struct sim_scp03 *s, const uint8_t h[4], bool ext_lc, const uint8_t *data,
                      size_t lc, bool has_le, uint8_t *out, size_t cap, size_t *outlen,
                      bool *had_data);
/* Wraps response data (len n, buffer cap) in place for SW 9000: R-ENC and
 * R-MAC per the session level. Returns the new length, 0 on overflow. */
size_t scp03_wrap_response(struct sim_scp03 *s, uint8_t *buf, size_t n, size_t cap);

/* Static key record as kept in the state dir: KVN, ENC, MAC, DEK. */
#define SCP03_KEYREC_LEN 49
#define SCP03_KEYS_FILE "scp03-keys"
/* GlobalPlatform PUT KEY (docs/protocol/scp03.md §10), data already
 * unwrapped: checks P1 (current KVN), P2 (81), the three 88 11 10 ..
 * 03 KCV blocks, decrypts the keys with the current DEK and checks their
 * KCVs. On 9000: the new record in out (not applied yet) and the 10-byte
 * answer (KVN, 3 KCVs) in rsp. s is left unchanged. */
uint16_t scp03_put_key(const struct sim_scp03 *s, uint8_t p1, uint8_t p2, const uint8_t *data, size_t n,
                       uint8_t out[SCP03_KEYREC_LEN], uint8_t rsp[10]);
/* Replaces the static keys and KVN with a record (session untouched). */
void scp03_set_keys(struct sim_scp03 *s, const uint8_t rec[SCP03_KEYREC_LEN]);

#endif
