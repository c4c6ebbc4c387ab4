/* SPDX-License-Identifier: Apache-2.0 */
/* See testhex.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testhex.h"

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t test_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n')
            continue;
        int v = nibble(*p);
        if (v < 0)
            fail_msg("bad hex in test data at \"%s\"", p);
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
