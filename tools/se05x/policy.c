/* SPDX-License-Identifier: Apache-2.0 */
/* --policy: the access rights of a new object, for access without an applet
 * session (auth object id 0), as a comma-separated list of rights or a hex
 * bitmap (docs/protocol/apdu.md §12). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"

static const struct {
    const char *name;
    uint32_t bits;
} rights[] = {
    {"sign", SE05X_POLICY_SIGN},
    {"verify", SE05X_POLICY_VERIFY},
    {"ka", SE05X_POLICY_KA},
    {"key-agreement", SE05X_POLICY_KA},
    {"encrypt", SE05X_POLICY_ENC},
    {"enc", SE05X_POLICY_ENC},
    {"decrypt", SE05X_POLICY_DEC},
    {"dec", SE05X_POLICY_DEC},
    {"kdf", SE05X_POLICY_KDF},
    {"wrap", SE05X_POLICY_WRAP},
    {"read", SE05X_POLICY_READ},
    {"write", SE05X_POLICY_WRITE},
    {"gen", SE05X_POLICY_GEN},
    {"generate", SE05X_POLICY_GEN},
    {"delete", SE05X_POLICY_DELETE},
    {"import-export", SE05X_POLICY_IMPORT_EXPORT},
    {"attest", SE05X_POLICY_ATTESTATION},
    {"require-sm", SE05X_POLICY_REQUIRE_SM},
    {"forbid-all", SE05X_POLICY_FORBID_ALL},
    /* everything usable, like the applet default, spelled out */
    {"all", SE05X_POLICY_SIGN | SE05X_POLICY_VERIFY | SE05X_POLICY_KA | SE05X_POLICY_ENC |
                SE05X_POLICY_DEC | SE05X_POLICY_KDF | SE05X_POLICY_WRAP | SE05X_POLICY_READ |
                SE05X_POLICY_WRITE | SE05X_POLICY_GEN | SE05X_POLICY_DELETE |
                SE05X_POLICY_IMPORT_EXPORT},
};

int tool_parse_policy(const struct tool *t, const char *text, struct se05x_policy *out)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || text[0] == 0)
        return tool_usage(t, "empty --policy");
    uint32_t bits = 0;
    if (strncasecmp(text, "0x", 2) == 0) {
        const char *p = text + 2;
        size_t n = strlen(p);
        if (n == 0 || n > 8 || strspn(p, "0123456789abcdefABCDEF") != n)
            return tool_usage(t, "malformed policy bitmap '%s'", text);
        bits = (uint32_t)strtoul(p, NULL, 16);
    } else {
        const char *p = text;
        while (*p) {
            size_t n = strcspn(p, ",");
            bool known = false;
            for (size_t i = 0; i < sizeof rights / sizeof rights[0]; i++) {
                if (strlen(rights[i].name) == n && strncasecmp(p, rights[i].name, n) == 0) {
                    bits |= rights[i].bits;
                    known = true;
                    break;
                }
            }
            if (!known)
                return tool_usage(t, "unknown policy right '%.*s' (use sign, verify, ka, encrypt, decrypt, "
                                     "kdf, wrap, read, write, gen, delete, import-export, attest, "
                                     "require-sm, forbid-all, all)",
                                  (int)n, p);
            p += n;
            if (*p == ',')
                p++;
        }
    }
    out->n = 1;
    out->rule[0].auth_id = 0;
    out->rule[0].rules = bits;
    return 0;
}
