/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int nib(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*hex) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        int a = nib(hex[0]), b = hex[1] ? nib(hex[1]) : -1;
        if (a < 0 || b < 0)
            fail_msg("bad hex in test: %s", hex);
        if (n >= cap)
            fail_msg("hex too long for buffer");
        out[n++] = (uint8_t)(a << 4 | b);
        hex += 2;
    }
    return n;
}

void assert_bytes(const uint8_t *buf, size_t n, const char *hex)
{
    uint8_t exp[4096];
    size_t en = hex2bin(hex, exp, sizeof exp);
    if (n != en || memcmp(buf, exp, n) != 0) {
        fprintf(stderr, "expected (%zu): %s\ngot      (%zu):", en, hex, n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02X", buf[i]);
        fprintf(stderr, "\n");
        fail_msg("byte mismatch");
    }
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t r = fread(s, 1, (size_t)n, f);
    s[r] = '\0';
    fclose(f);
    return s;
}

void tmp_path(char *buf, size_t cap, const char *tag)
{
    static unsigned seq;
    const char *d = getenv("TMPDIR");
    snprintf(buf, cap, "%s/se05x-core-%s-%ld-%u", d && *d ? d : "/tmp", tag, (long)getpid(), seq++);
    unlink(buf);
}
