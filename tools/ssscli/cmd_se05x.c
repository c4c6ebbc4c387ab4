/* SPDX-License-Identifier: Apache-2.0 */
/* se05x reset | uid | certuid | readidlist */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssscli.h"

static void hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02X", b[i]);
    printf("\n");
}

static const char *kind_name(const struct se05x_object_info *i)
{
    switch (i->kind) {
    case SE05X_KIND_EC:
        return i->part == SE05X_PART_PAIR ? "EC_KEY_PAIR" : i->part == SE05X_PART_PUBLIC ? "EC_PUB_KEY" : "EC_PRIV_KEY";
    case SE05X_KIND_RSA:
        return i->part == SE05X_PART_PAIR ? "RSA_KEY_PAIR" : i->part == SE05X_PART_PUBLIC ? "RSA_PUB_KEY" : "RSA_PRIV_KEY";
    case SE05X_KIND_AES: return "AES_KEY";
    case SE05X_KIND_DES: return "DES_KEY";
    case SE05X_KIND_HMAC: return "HMAC_KEY";
    case SE05X_KIND_BINARY: return "BINARY_FILE";
    case SE05X_KIND_USERID: return "USERID";
    case SE05X_KIND_COUNTER: return "COUNTER";
    case SE05X_KIND_PCR: return "PCR";
    default: return "UNKNOWN";
    }
}

int cmd_se05x(struct cli *c)
{
    if (c->argc != 1)
        return cli_usage("usage: ssscli se05x reset|uid|certuid|readidlist");
    const char *what = c->argv[0];
    if (strcmp(what, "reset") && strcmp(what, "uid") && strcmp(what, "certuid") && strcmp(what, "readidlist"))
        return cli_usage("unknown se05x command '%s' (reset, uid, certuid, readidlist)", what);
    se05x_session *s;
    if (cli_open(c, &s))
        return 1;
    int rc = 0;
    if (strcmp(what, "reset") == 0) {
        size_t n = 0;
        rc = cli_rc(s, se05x_reset_objects(s, &n), "reset");
        if (!rc)
            fprintf(stderr, "ssscli: reset: deleted %zu object(s)\n", n);
    } else if (strcmp(what, "uid") == 0 || strcmp(what, "certuid") == 0) {
        uint8_t uid[18], cu[10];
        rc = cli_rc(s, se05x_read_uid(s, uid), "read UID");
        if (!rc && what[0] == 'u') {
            printf("Unique ID: ");
            hex(uid, 18);
        } else if (!rc) {
            se05x_certuid(uid, cu);
            printf("Cert Unique ID: ");
            hex(cu, 10);
        }
    } else {
        se05x_objid *ids = NULL;
        size_t n = 0;
        rc = cli_rc(s, se05x_list_objects(s, SE05X_FILTER_ALL, &ids, &n), "read id list");
        for (size_t i = 0; !rc && i < n; i++) {
            struct se05x_object_info info;
            memset(&info, 0, sizeof(info));
            if (se05x_object_info(s, ids[i], &info) == SE05X_OK) {
                if (info.kind == SE05X_KIND_EC)
                    printf("Key-Id: 0x%08X  %-14s %s\n", (unsigned)ids[i], kind_name(&info),
                           se05x_curve_name(info.curve));
                else
                    printf("Key-Id: 0x%08X  %-14s Size(Bits): %u\n", (unsigned)ids[i], kind_name(&info),
                           info.kind == SE05X_KIND_BINARY ? info.size * 8u : info.bits);
            } else {
                printf("Key-Id: 0x%08X  (unreadable)\n", (unsigned)ids[i]);
            }
        }
        free(ids);
    }
    se05x_close(s);
    return rc;
}
