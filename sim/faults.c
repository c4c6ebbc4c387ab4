/* SPDX-License-Identifier: Apache-2.0 */
/* Fault injection (see faults.h). */
#include "faults.h"

static uint64_t next(struct sim_faults *f)
{
    uint64_t x = f->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void sim_faults_init(struct sim_faults *f, double rate, uint64_t seed)
{
    f->rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
    f->s = seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
    if (!f->s)
        f->s = 1;
    for (int i = 0; i < 4; i++)
        f->count[i] = 0;
    next(f);
}

uint32_t sim_faults_below(struct sim_faults *f, uint32_t n)
{
    return n ? (uint32_t)((next(f) >> 32) % n) : 0;
}

enum sim_fault sim_faults_pick(struct sim_faults *f)
{
    if (f->rate <= 0)
        return SIM_FAULT_NONE;
    double u = (double)(next(f) >> 11) / 9007199254740992.0; /* [0,1) */
    if (u >= f->rate)
        return SIM_FAULT_NONE;
    enum sim_fault k = (enum sim_fault)(1 + sim_faults_below(f, 3));
    f->count[k]++;
    return k;
}

void sim_faults_apply(struct sim_faults *f, enum sim_fault k, uint8_t *buf, size_t *n)
{
    if (!*n)
        return;
    switch (k) {
    case SIM_FAULT_CORRUPT:
        buf[sim_faults_below(f, (uint32_t)*n)] ^= (uint8_t)(1u << sim_faults_below(f, 8));
        break;
    case SIM_FAULT_TRUNCATE:
        *n = *n > 1 ? 1 + sim_faults_below(f, (uint32_t)(*n - 1)) : 0;
        break;
    case SIM_FAULT_DROP:
        *n = 0;
        break;
    case SIM_FAULT_NONE:
        break;
    }
}

const char *sim_fault_name(enum sim_fault k)
{
    switch (k) {
    case SIM_FAULT_CORRUPT: return "corrupt";
    case SIM_FAULT_TRUNCATE: return "truncate";
    case SIM_FAULT_DROP: return "drop";
    default: return "none";
    }
}
