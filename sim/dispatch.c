/* SPDX-License-Identifier: Apache-2.0 */
/* The dispatch table of the applet: one handler per command, matched on
 * INS (instruction bits), P1 (with a mask) and P2; the INS characteristic
 * bits (80 transient, 40 auth object, 20 attest) a command accepts. Unknown
 * INS -> 6D00, known INS with unknown P1/P2 -> 6A86. */
#include "card_internal.h"

#define ANY 0x100
struct route {
    uint8_t ins;    /* instruction, INS & 1F */
    uint8_t p1, p1_mask;
    uint16_t p2;    /* or ANY */
    uint8_t flags;  /* INS characteristic bits accepted (80 / 40 / 20) */
    sim_handler h;
};

static const struct route routes[] = {
    /* §4.1 management */
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_VERSION, 0, h_get_version},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_VERSION_EXT, 0, h_get_version_ext},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_MEMORY, 0, h_get_memory},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_RANDOM, 0, h_get_random},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_EXIST, 0, h_exists},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_DELETE_OBJECT, 0, h_delete},
    {SE05X_INS_MGMT, 0x00, 0xFF, SE05X_P2_DELETE_ALL, 0, h_delete_all},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x1B, 0, h_create_session},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x1C, 0, h_close_session},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x1E, 0, h_refresh_session},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x2C, 0, h_verify_userid},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x3E, 0, h_set_lock_state},
    {SE05X_INS_MGMT, 0x00, 0xFF, 0x3D, 0, h_get_timestamp},
    {SE05X_INS_MGMT, SE05X_P1_CURVE, 0xFF, SE05X_P2_DELETE_OBJECT, 0, h_delete_curve},
    {SE05X_INS_MGMT, SE05X_P1_CRYPTO_OBJ, 0xFF, SE05X_P2_DELETE_OBJECT, 0, h_delete_crypto_obj},
    /* §4.3 writing objects */
    {SE05X_INS_WRITE, SE05X_P1_EC, 0x1F, ANY, 0xC0, h_write_ec},
    {SE05X_INS_WRITE, SE05X_P1_RSA, 0x1F, ANY, 0xC0, h_write_rsa},
    {SE05X_INS_WRITE, SE05X_P1_AES, 0x1F, ANY, 0xC0, h_write_symm},
    {SE05X_INS_WRITE, SE05X_P1_DES, 0x1F, ANY, 0xC0, h_write_symm},
    {SE05X_INS_WRITE, SE05X_P1_HMAC, 0x1F, ANY, 0xC0, h_write_symm},
    {SE05X_INS_WRITE, SE05X_P1_BINARY, 0xFF, SE05X_P2_DEFAULT, 0xC0, h_write_binary},
    {SE05X_INS_WRITE, SE05X_P1_UserID, 0xFF, SE05X_P2_DEFAULT, 0xC0, h_write_userid},
    {SE05X_INS_WRITE, SE05X_P1_COUNTER, 0xFF, SE05X_P2_DEFAULT, 0xC0, h_write_counter},
    {SE05X_INS_WRITE, SE05X_P1_PCR, 0xFF, SE05X_P2_DEFAULT, 0xC0, h_write_pcr},
    {SE05X_INS_WRITE, SE05X_P1_CURVE, 0xFF, SE05X_P2_CREATE, 0, h_create_curve},
    {SE05X_INS_WRITE, SE05X_P1_CRYPTO_OBJ, 0xFF, SE05X_P2_DEFAULT, 0, h_create_crypto_obj},
    {SE05X_INS_WRITE, SE05X_P1_DEFAULT, 0xFF, 0x18, 0xC0, h_import_object},
    {SE05X_INS_WRITE, SE05X_P1_CURVE, 0xFF, SE05X_P2_PARAM, 0, h_set_curve_param},
    /* §4.4 reading objects */
    {SE05X_INS_READ, 0x00, 0xFF, SE05X_P2_DEFAULT, 0x20, h_read_object},
    {SE05X_INS_READ, 0x00, 0xFF, SE05X_P2_TYPE, 0x40, h_read_type},
    {SE05X_INS_READ, 0x00, 0xFF, SE05X_P2_SIZE, 0, h_read_size},
    {SE05X_INS_READ, 0x00, 0xFF, SE05X_P2_LIST, 0, h_read_idlist},
    {SE05X_INS_READ, 0x00, 0xFF, 0x19, 0, h_export_object},
    {SE05X_INS_READ, 0x00, 0xFF, SE05X_P2_ATTRIBUTES, 0x20, h_read_attributes},
    {SE05X_INS_READ, SE05X_P1_CURVE, 0xFF, SE05X_P2_ID, 0, h_get_curve_id},
    {SE05X_INS_READ, SE05X_P1_CURVE, 0xFF, SE05X_P2_LIST, 0, h_read_curve_list},
    {SE05X_INS_READ, SE05X_P1_CRYPTO_OBJ, 0xFF, SE05X_P2_LIST, 0, h_read_crypto_list},
    /* §4.6 crypto */
    {SE05X_INS_CRYPTO, SE05X_P1_SIGNATURE, 0xFF, SE05X_P2_SIGN, 0, h_sign},
    {SE05X_INS_CRYPTO, SE05X_P1_SIGNATURE, 0xFF, SE05X_P2_VERIFY, 0, h_verify},
    {SE05X_INS_CRYPTO, SE05X_P1_EC, 0xFF, SE05X_P2_DH, 0, h_ecdh},
    {SE05X_INS_CRYPTO, SE05X_P1_EC, 0xFF, SE05X_P2_DH_REVERSE, 0, h_ecdh},
    {SE05X_INS_CRYPTO, SE05X_P1_RSA, 0xFF, SE05X_P2_ENCRYPT_ONESHOT, 0, h_rsa_encrypt},
    {SE05X_INS_CRYPTO, SE05X_P1_RSA, 0xFF, SE05X_P2_DECRYPT_ONESHOT, 0, h_rsa_decrypt},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x0E, 0, h_digest_oneshot},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x0B, 0, h_digest_step},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x0C, 0, h_digest_step},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x0D, 0, h_digest_step},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, 0x42, 0, h_cipher_init},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, 0x43, 0, h_cipher_init},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, 0x0C, 0, h_cipher_step},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, 0x0D, 0, h_cipher_step},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x03, 0, h_mac_init},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x44, 0, h_mac_init},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x0C, 0, h_mac_step},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x0D, 0, h_mac_step},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x2D, 0, h_hkdf},
    {SE05X_INS_CRYPTO, 0x00, 0xFF, 0x2E, 0, h_pbkdf2},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x45, 0, h_mac_oneshot},
    {SE05X_INS_CRYPTO, SE05X_P1_MAC, 0xFF, 0x46, 0, h_mac_oneshot},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, SE05X_P2_ENCRYPT_ONESHOT, 0, h_cipher_oneshot},
    {SE05X_INS_CRYPTO, SE05X_P1_CIPHER, 0xFF, SE05X_P2_DECRYPT_ONESHOT, 0, h_cipher_oneshot},
};

uint16_t card_dispatch(struct sim_card *c, const struct sim_apdu *a, struct tlv_w *w)
{
    uint8_t ins = a->ins & SE05X_INS_MASK, flags = a->ins & (uint8_t)~SE05X_INS_MASK;
    bool ins_known = false;
    /* A chip without RSA (SE050E) knows no RSA P1: 6A86 like any unknown P1
     * (docs/protocol/open-questions.md A3; unverified against a real chip). */
    if (!c->var->rsa && (a->p1 & SE05X_P1_TYPE_MASK) == SE05X_P1_RSA &&
        (ins == SE05X_INS_WRITE || ins == SE05X_INS_CRYPTO))
        return SE05X_SW_WRONG_P1P2;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route *r = &routes[i];
        if (r->ins != ins)
            continue;
        ins_known = true;
        if ((a->p1 & r->p1_mask) != r->p1 || (r->p2 != ANY && r->p2 != a->p2))
            continue;
        if (flags & ~r->flags)
            return SE05X_SW_INS_NOT_SUPPORTED;
        return r->h(c, a, w);
    }
    return ins_known && !flags ? SE05X_SW_WRONG_P1P2 : SE05X_SW_INS_NOT_SUPPORTED;
}

