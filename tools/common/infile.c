/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded whole-stream reads (infile.h). */
#include "infile.h"

#include <errno.h>
#include <stdlib.h>

int infile_read(FILE *f, size_t max, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap + 1);
    if (b == NULL)
        return ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > max) { /* more than max, the whole size unknown */
                free(b);
                return EFBIG;
            }
            size_t ncap = cap * 2;
            uint8_t *nb = realloc(b, ncap + 1);
            if (nb == NULL) {
                free(b);
                return ENOMEM;
            }
            b = nb;
            cap = ncap;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(b);
                return e ? e : EIO;
            }
            break;
        }
    }
    if (n > max) {
        free(b);
        *len = n;
        return EFBIG;
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}
