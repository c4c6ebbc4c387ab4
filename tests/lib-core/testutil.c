/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void assert_bytes(const uint8_t *buf, size_t n, const char *hex)
{
    uint8_t exp[4096];
    size_t en = test_hex(hex, exp, sizeof exp);
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
