/* SPDX-License-Identifier: Apache-2.0 */
/* See testhex.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "testhex.h"

static const char digits[] = "0123456789abcdef";

size_t test_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n')
            continue;
        const char *d = strchr(digits, tolower((unsigned char)*p));
        if (!d)
            fail_msg("bad hex in test data at \"%s\"", p);
        int v = (int)(d - digits);
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                fail_msg("hex too long for a %zu-byte buffer: %s", cap, hex);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        fail_msg("odd number of hex digits: %s", hex);
    return n;
}
