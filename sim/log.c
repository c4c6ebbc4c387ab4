/* SPDX-License-Identifier: Apache-2.0 */
/* See log.h. The level is process-wide: the emulator is one program. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static atomic_int g_level = SIM_LOG_INFO;

int sim_log_parse_level(const char *s)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

void sim_log_set_level(int level) { atomic_store(&g_level, level); }
int sim_log_get_level(void) { return atomic_load(&g_level); }

void sim_log(int level, const char *fmt, ...)
{
    static const char *tags[] = {"error", "warn", "info", "debug"};
    if (level > atomic_load(&g_level))
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one write per line so lines of several threads do not interleave */
    fprintf(stderr, "se05x-sim: %s: %s\n", tags[level < 0 ? 0 : level > 3 ? 3 : level], line);
}
