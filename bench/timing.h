/* SPDX-License-Identifier: Apache-2.0 */
/* Clock and median helpers shared by the bench_*.c programs (header only:
 * each bench is one translation unit, bench/CMakeLists.txt). */
#ifndef SE05X_BENCH_TIMING_H
#define SE05X_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Microseconds on clock c (CLOCK_MONOTONIC for wall time,
 * CLOCK_PROCESS_CPUTIME_ID for this process's CPU time). */
static inline double bench_clock_us(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Wall-clock microseconds (monotonic). */
static inline double bench_now_us(void)
{
    return bench_clock_us(CLOCK_MONOTONIC);
}

/* qsort comparator for doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts t[0..n-1] in place and returns its upper median t[n / 2] (n > 0). */
static inline double bench_median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    return t[n / 2];
}

#endif
