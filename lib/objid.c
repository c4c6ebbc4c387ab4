/* SPDX-License-Identifier: Apache-2.0 */
/* Object id parsing for tools and modules: "0x7f000001", "7F000001". */
#include <ctype.h>

#include "cmd_util.h"

se05x_rc se05x_parse_objid(const char *text, se05x_objid *id)
{
    if (!text || !id)
        return SE05X_E_BAD_ARG;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    uint32_t v = 0;
    size_t nd = 0;
    for (; *p; p++, nd++) {
        if (nd >= 8 || !isxdigit((unsigned char)*p))
            return SE05X_E_BAD_ARG;
        int c = tolower((unsigned char)*p);
        v = (v << 4) | (uint32_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    if (nd == 0 || v == 0)
        return SE05X_E_BAD_ARG;
    *id = v;
    return SE05X_OK;
}
