/* SPDX-License-Identifier: Apache-2.0 */
/* --json of `se05x info` and `se05x list`: the same facts as the text
 * output, as one JSON document on stdout (docs/tools.md "Machine-readable
 * output"). Ids and byte strings are hex strings; sizes are numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fileio.h"
#include "jsonout.h"

/* "key": "lower-case hex" (tool_hex, as the text output), null when out of memory */
static void json_hex(const char *key, const uint8_t *b, size_t n)
{
    char *h = tool_hex(b, n);
    json_kv(stdout, 0, key, h);
    free(h);
}

int tool_info_json(struct tool *t, se05x_session *s)
{
    const struct se05x_applet_info *a = se05x_applet(s);
    uint8_t uid[18], certuid[10];
    se05x_rc rc = se05x_read_uid(s, uid);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "read the UID of the chip", 0);
    se05x_certuid(uid, certuid);
    static const struct {
        se05x_memory kind;
        const char *key;
    } mem[] = {
        {SE05X_MEMORY_PERSISTENT, "persistent"},
        {SE05X_MEMORY_TRANSIENT_RESET, "transient_reset"},
        {SE05X_MEMORY_TRANSIENT_DESELECT, "transient_deselect"},
    };
    uint16_t freeb[3];
    for (size_t i = 0; i < 3; i++)
        if ((rc = se05x_get_free_memory(s, mem[i].kind, &freeb[i])) != SE05X_OK)
            return tool_fail(t, rc, "read the free memory of the chip", 0);
    static const struct {
        se05x_objid id;
        const char *name;
    } reserved[] = {{0x7FFF0200u, "transport"}, {0x7FFF0205u, "factory_reset"}};
    bool present[2] = {false, false};
    for (size_t i = 0; i < 2; i++)
        if ((rc = se05x_object_exists(s, reserved[i].id, &present[i])) != SE05X_OK)
            return tool_fail(t, rc, "look up", reserved[i].id);

    char buf[160];
    printf("{");
    json_kv(stdout, 1, "connection", se05x_conn(s));
    json_kv(stdout, 0, "port_from", t->conn_from);
    json_kv(stdout, 0, "link", se05x_link_mode(s));
    if (a) {
        snprintf(buf, sizeof buf, "%u.%u.%u", a->major, a->minor, a->patch);
        json_kv(stdout, 0, "applet_version", buf);
        json_kn(stdout, 0, "applet_config", a->config);
        snprintf(buf, sizeof buf, "%u.%u", a->sb_major, a->sb_minor);
        json_kv(stdout, 0, "secure_box_version", buf);
        printf(", \"rsa\": %s", (a->config & 0x0020) ? "true" : "false");
    }
    struct se05x_chip_features cf;
    if (se05x_chip_features(s, &cf) == SE05X_OK) { /* docs/lib.md "Chip generations" */
        json_kn(stdout, 0, "applet_generation", cf.generation);
        json_kv(stdout, 0, "chip_variant", cf.variant);
        json_kn(stdout, 0, "max_payload", cf.max_payload);
    }
    json_hex("uid", uid, sizeof uid);
    json_hex("certuid", certuid, sizeof certuid);
    printf(", \"free_memory\": {");
    for (size_t i = 0; i < 3; i++)
        json_kn(stdout, i == 0, mem[i].key, freeb[i]);
    printf("}");
    uint8_t atr[64];
    size_t n = se05x_atr(s, atr, sizeof atr);
    json_hex("atr", atr, n < sizeof atr ? n : sizeof atr);
    printf(", \"reserved_auth_objects\": {");
    for (size_t i = 0; i < 2; i++)
        json_kv(stdout, i == 0, reserved[i].name, present[i] ? "present" : "absent");
    printf("}}\n");
    return 0;
}

int tool_list_json(struct tool *t, se05x_session *s, bool all)
{
    se05x_objid *ids = NULL;
    size_t n = 0;
    se05x_rc rc = se05x_list_objects(s, 0xFF, &ids, &n);
    if (rc != SE05X_OK)
        return tool_fail(t, rc, "list the objects", 0);
    printf("[");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        bool res = se05x_id_is_reserved(ids[i]);
        if (res && !all)
            continue;
        struct se05x_object_info info;
        memset(&info, 0, sizeof info);
        char idt[16];
        snprintf(idt, sizeof idt, "0x%08X", ids[i]);
        printf("%s{", first ? "" : ", ");
        first = 0;
        json_kv(stdout, 1, "id", idt);
        rc = se05x_object_info(s, ids[i], &info);
        if (rc != SE05X_OK) {
            json_kv(stdout, 0, "error", se05x_strerror(rc));
        } else {
            json_kv(stdout, 0, "type", tool_kind_name(&info));
            json_kv(stdout, 0, "persistence", info.transient ? "transient" : "persistent");
            if (info.kind == SE05X_KIND_EC)
                json_kv(stdout, 0, "curve", tool_curve_name(info.curve));
            else if (info.kind == SE05X_KIND_RSA || info.kind == SE05X_KIND_AES ||
                     info.kind == SE05X_KIND_DES || info.kind == SE05X_KIND_HMAC)
                json_kn(stdout, 0, "bits", info.bits ? info.bits : info.size * 8u);
            else if (info.kind != SE05X_KIND_USERID)
                json_kn(stdout, 0, "size", info.size);
        }
        printf(", \"reserved\": %s}", res ? "true" : "false");
    }
    printf("]\n");
    free(ids);
    return 0;
}
