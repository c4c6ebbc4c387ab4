/* SPDX-License-Identifier: Apache-2.0 */
/* C-APDU encoder: the Lc/Le forms the NXP host library sends (docs/protocol/apdu.md §3.3). */
#include <string.h>

#include "internal.h"

size_t se05x_apdu_encode(const struct se05x_apdu *a, uint8_t *buf, size_t cap)
{
    if (!a || !buf || a->len > 0xFFFF || (a->len && !a->data))
        return 0;
    size_t need;
    if (a->len == 0)
        need = a->extended ? 7 : 5;
    else if (a->extended)
        need = 4 + 3 + a->len + 2;
    else if (a->len < 255)
        need = 4 + 1 + a->len;
    else
        need = 4 + 3 + a->len;
    if (need > cap)
        return 0;

    size_t p = 0;
    buf[p++] = a->cla;
    buf[p++] = a->ins;
    buf[p++] = a->p1;
    buf[p++] = a->p2;
    if (a->len == 0) {
        /* case 1/2: a lone 00 (extended flag: 00 00 00) */
        buf[p++] = 0;
        if (a->extended) {
            buf[p++] = 0;
            buf[p++] = 0;
        }
        return p;
    }
    if (a->extended || a->len >= 255) {
        buf[p++] = 0;
        buf[p++] = (uint8_t)(a->len >> 8);
        buf[p++] = (uint8_t)a->len;
    } else {
        buf[p++] = (uint8_t)a->len;
    }
    memcpy(buf + p, a->data, a->len);
    p += a->len;
    if (a->extended) {
        buf[p++] = 0; /* extended Le 00 00 = "up to 65536" */
        buf[p++] = 0;
    }
    return p;
}
