/* SPDX-License-Identifier: Apache-2.0 */
/* The object store: every Secure Object and curve of the card, its memory
 * accounting (docs/protocol/open-questions.md A12) and its persistence (statefile.c).
 * Mutations are transactional: store_put/store_remove/store_set_curve either
 * change the card AND its state file, or change nothing. Not thread safe: the
 * card mutex (card.c) serialises every call. */
#ifndef SIM_STORE_H
#define SIM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_PARTS 8
/* Part indexes. EC: private scalar / public point (wire order, see crypto.h).
 * RSA: the component selector codes of docs/protocol/apdu.md §9 (00 n .. 07 qInv).
 * Binary, symmetric keys, UserID, counter: the value in part 0. */
enum { SIM_P_VALUE = 0, SIM_P_EC_PRIV = 0, SIM_P_EC_PUB = 1 };
enum { SIM_RSA_N = 0, SIM_RSA_E, SIM_RSA_D, SIM_RSA_P, SIM_RSA_Q, SIM_RSA_DP, SIM_RSA_DQ, SIM_RSA_QINV };

/* Accounting (documented in docs/emulator.md): each object costs a fixed
 * overhead plus its policy and its data, each rounded up to 16 bytes. */
#define SIM_OBJ_OVERHEAD 32u
#define SIM_MEM_GRANULE 16u

struct sim_obj {
    uint32_t id;
    uint8_t type;   /* 3.x type code, docs/protocol/apdu.md §7 */
    uint8_t origin; /* SE05X_ORIGIN_* */
    bool transient; /* created with INS bit 0x80; never persisted */
    bool auth;      /* created with INS bit 0x40 */
    bool incomplete; /* RSA multi-APDU import still missing components */
    bool cleared;    /* transient value dropped by a chip reset (shell kept, A4) */
    uint16_t failed; /* failed UserID verifications (kept in RAM only) */
    uint8_t curve;  /* EC: curve id */
    uint16_t rsa_bits;
    uint16_t max_attempts;
    uint32_t version; /* 7.x object version (TAG 4B of the write; attributes) */
    uint32_t reserve; /* bytes reserved for the data (binary length, RSA size) */
    uint16_t policy_len; /* 0 = no policy (applet default, A1) */
    uint8_t policy[256];
    uint8_t *part[SIM_PARTS];
    uint32_t part_len[SIM_PARTS];
};

struct sim_obj *sim_obj_new(uint32_t id, uint8_t type);
struct sim_obj *sim_obj_clone(const struct sim_obj *o);
/* Cleanses and frees (NULL is fine). */
void sim_obj_free(struct sim_obj *o);
/* Replaces part i by a copy of (p, n). Returns false on allocation failure. */
bool sim_obj_set_part(struct sim_obj *o, int i, const uint8_t *p, size_t n);
size_t sim_obj_cost(const struct sim_obj *o);

#define SIM_CURVE_MAX 0x11 /* Weierstrass ids 01..11 */
#define SIM_CURVE_ALL_PARAMS 0x1F

struct sim_store {
    struct sim_obj **objs; /* ascending id */
    size_t n, cap;
    uint8_t curve_created[SIM_CURVE_MAX + 1];
    uint8_t curve_params[SIM_CURVE_MAX + 1]; /* bit mask of set params */
    size_t pcap, tcap;
    char *dir;   /* NULL: in memory only */
    int dir_fd;  /* the opened state directory (statedir.h); -1 in memory only */
    int lock_fd;
    uint64_t created; /* unix time of provisioning */
    bool locked;      /* SetLockState PERSISTENT_LOCK (A13) */
    uint8_t gen;      /* applet generation the state belongs to: 3 or 7 (0 = fresh) */
    uint8_t chip_secret[32]; /* per-chip key of ExportObject blobs (DIR/chip.key) */
};

/* Opens the state directory (creating it 0700), takes its lock and loads the
 * state file. *fresh = true when there was no state yet (caller provisions).
 * On error returns -1 with a one-line message. dir may be NULL. */
int store_open(struct sim_store *s, const char *dir, size_t pcap, size_t tcap, bool *fresh,
               char *err, size_t errlen);
void store_close(struct sim_store *s);

struct sim_obj *store_find(const struct sim_store *s, uint32_t id);
/* Inserts or replaces (same id) and persists. On success the store owns o
 * and the old object is freed; on failure nothing changed and the caller
 * still owns o. Returns 9000, 6A84 (memory full) or 6F00 (I/O error). */
uint16_t store_put(struct sim_store *s, struct sim_obj *o);
uint16_t store_remove(struct sim_store *s, uint32_t id);
uint16_t store_set_curve(struct sim_store *s, uint8_t curve, bool created, uint8_t params);
uint16_t store_set_locked(struct sim_store *s, bool locked);
/* DeleteAll (§17): every object except PROVISIONED ones, and every curve;
 * one persisted step. Returns 9000 or 6F00 (nothing changed). */
uint16_t store_delete_all(struct sim_store *s);
/* Drops every transient object (process restart is a power cycle; also
 * used by DeleteAll). */
void store_drop_transient(struct sim_store *s);
size_t store_used(const struct sim_store *s, bool transient);
/* Writes the state file now (used after provisioning). */
int store_persist(struct sim_store *s);

/* statefile.c: (de)serialisation with checksum, atomic replace. */
int statefile_write(const struct sim_store *s);
/* 0 = loaded, 1 = no state file, -1 = error (message in err). */
int statefile_load(struct sim_store *s, char *err, size_t errlen);

#endif
