/* SPDX-License-Identifier: Apache-2.0 */
/* See variant.h. Values: docs/protocol/open-questions.md A8 (derived, not
 * observed), docs/protocol/scp03.md §7 (default keys per OEF), docs/emulator.md
 * "Variants" (the ATR historical bytes of the 7.x variants are our choice,
 * unverified against a real chip). */
#include "variant.h"

#include <string.h>
#include <strings.h>

/* The 7.x ATRs: the SE050C1 layout with other historical bytes
 * ("SE050E 7.2" / "SE051 7.2 "), unverified against a real chip. */
#define ATR_HEAD 0x00, 0xA0, 0x00, 0x00, 0x03, 0x96, 0x04, 0x03, 0xE8, 0x00, 0xFE, 0x02, 0x0B, 0x03, \
                 0xE8, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x0A
static const uint8_t ATR_E[SE05X_ATR_LEN] = {ATR_HEAD, 'S', 'E', '0', '5', '0', 'E', ' ', '7', '.', '2'};
static const uint8_t ATR_SE051[SE05X_ATR_LEN] = {ATR_HEAD, 'S', 'E', '0', '5', '1', ' ', '7', '.', '2', ' '};

/* docs/protocol/scp03.md §7: SE050E (OEF A921) and SE051C (OEF A8FA). */
static const uint8_t KEYS_A921[48] = {
    0xD2, 0xDB, 0x63, 0xE7, 0xA0, 0xA5, 0xAE, 0xD7, 0x2A, 0x64, 0x60, 0xC4, 0xDF, 0xDC, 0xAF, 0x64,
    0x73, 0x8D, 0x5B, 0x79, 0x8E, 0xD2, 0x41, 0xB0, 0xB2, 0x47, 0x68, 0x51, 0x4B, 0xFB, 0xA9, 0x5B,
    0x67, 0x02, 0xDA, 0xC3, 0x09, 0x42, 0xB2, 0xC8, 0x5E, 0x7F, 0x47, 0xB4, 0x2C, 0xED, 0x4E, 0x7F};
static const uint8_t KEYS_A8FA[48] = {
    0xBF, 0xC2, 0xDB, 0xE1, 0x82, 0x8E, 0x03, 0x5D, 0x3E, 0x7F, 0xA3, 0x6B, 0x90, 0x2A, 0x05, 0xC6,
    0xBE, 0xF8, 0x5B, 0xD7, 0xBA, 0x04, 0x97, 0xD6, 0x28, 0x78, 0x1C, 0xE4, 0x7B, 0x18, 0x8C, 0x96,
    0xD8, 0x73, 0xF3, 0x16, 0xBE, 0x29, 0x7F, 0x2F, 0xC9, 0xC0, 0xE4, 0x5F, 0x54, 0x71, 0x06, 0x99};

static const struct sim_variant variants[] = {
    {'A', "SE050A", 3, {0x03, 0x01, 0x00, 0x6F, 0x93, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD, 0xA204, true,
     false, SE05X_ATR_SE050C1, NULL},
    {'B', "SE050B", 3, {0x03, 0x01, 0x00, 0x6F, 0xF1, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD, 0xA202, true,
     false, SE05X_ATR_SE050C1, NULL},
    {'C', "SE050C", 3, {0x03, 0x01, 0x00, 0x6F, 0xFF, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD, 0xA200, true,
     false, SE05X_ATR_SE050C1, NULL},
    {'F', "SE050F", 3, {0x03, 0x06, 0x00, 0x6F, 0xFF, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD, 0xA92A, true,
     true, SE05X_ATR_SE050C1, NULL},
    /* 7.2: config = C minus RSA_PLAIN/RSA_CRT for the ECC-only SE050E (A8) */
    {'E', "SE050E", 7, {0x07, 0x02, 0x00, 0x6F, 0x9F, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD_7X, 0xA921,
     false, false, ATR_E, KEYS_A921},
    {'S', "SE051", 7, {0x07, 0x02, 0x00, 0x6F, 0xFF, 0x01, 0x0B}, SE05X_MAX_APDU_PAYLOAD_7X, 0xA8FA, true,
     false, ATR_SE051, KEYS_A8FA},
};

const struct sim_variant *sim_variant_of(char letter)
{
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (variants[i].letter == letter)
            return &variants[i];
    return NULL;
}

const struct sim_variant *sim_variant_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcasecmp(name, "SE051") == 0)
        return sim_variant_of('S');
    if (strlen(name) != 1 || name[0] == 'S' || name[0] == 's')
        return NULL;
    return sim_variant_of((char)(name[0] & ~0x20));
}

/* Index k of docs/protocol/apdu.md §7 per curve id; -1 = none. */
static int curve_k(uint8_t curve)
{
    if (curve >= 0x01 && curve <= 0x11)
        return curve - 1;
    switch (curve) {
    case 0x40: return 17; /* Ed25519 65 66 67 */
    case 0x41: return 18; /* X25519 69 6A 6B */
    case 0x43: return 20; /* X448 71 72 73 */
    default: return -1;
    }
}

uint8_t sim_type7_ec(uint8_t type3, uint8_t curve)
{
    int k = curve_k(curve);
    if (k < 0 || type3 < SE05X_TYPE_EC_KEY_PAIR || type3 > SE05X_TYPE_EC_PUB)
        return 0;
    return (uint8_t)(0x21 + 4 * k + (type3 - SE05X_TYPE_EC_KEY_PAIR));
}

uint8_t sim_wire_type(uint8_t gen, uint8_t type3, uint8_t curve)
{
    uint8_t t7 = gen >= 7 ? sim_type7_ec(type3, curve) : 0;
    return t7 ? t7 : type3;
}
