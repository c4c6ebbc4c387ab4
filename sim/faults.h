/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection of the T=1 responder (--faults RATE --fault-seed N): each
 * frame, in either direction, is with probability RATE corrupted (one bit
 * flipped anywhere, header included), truncated (a random prefix) or dropped,
 * the three equally likely. Deterministic for a given seed. */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <stddef.h>
#include <stdint.h>

enum sim_fault { SIM_FAULT_NONE = 0, SIM_FAULT_CORRUPT, SIM_FAULT_TRUNCATE, SIM_FAULT_DROP };

struct sim_faults {
    double rate;
    uint64_t s;              /* xorshift64* state */
    uint64_t count[4];       /* injected, by kind */
};

void sim_faults_init(struct sim_faults *f, double rate, uint64_t seed);
enum sim_fault sim_faults_pick(struct sim_faults *f);
/* Uniform in [0, n) (n > 0). */
uint32_t sim_faults_below(struct sim_faults *f, uint32_t n);
/* Applies fault k to buf[0..*n) in place (corrupt/truncate; drop sets *n 0). */
void sim_faults_apply(struct sim_faults *f, enum sim_fault k, uint8_t *buf, size_t *n);
const char *sim_fault_name(enum sim_fault k);

#endif
