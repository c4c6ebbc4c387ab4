/* SPDX-License-Identifier: Apache-2.0 */
/* Two SCP03 sessions to one chip, alternating (like two processes: on a T=1
 * link each session has its own bus-lock descriptor). Every command must
 * succeed; a session whose channel another session ended re-authenticates:
 * before sending on a T=1 bus (the lock's generation: SELECT + 2 APDUs +
 * the command), after one 6982 on JRCP. Prints "reauth <session> <apdus>"
 * per re-authentication and "steady <apdus>" for a command with no
 * interleaving. Usage: scp03_share CONN OBJID (keys from the environment). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <se05x/se05x.h>

static int check(se05x_session *s, se05x_objid id, const char *name, int *delta)
{
    struct se05x_stats a, b;
    bool ex = false;
    se05x_get_stats(s, &a);
    if (se05x_object_exists(s, id, &ex) != SE05X_OK || !ex) {
        fprintf(stderr, "%s: %s\n", name, se05x_errmsg(s));
        return 1;
    }
    se05x_get_stats(s, &b);
    *delta = (int)(b.apdus - a.apdus);
    return 0;
}

int main(int argc, char **argv)
{
    se05x_session *a = NULL, *b = NULL;
    struct se05x_error e = {0};
    se05x_objid id = argc > 2 ? (se05x_objid)strtoul(argv[2], NULL, 16) : 0;
    int d = 0, rc = 0;
    if (argc != 3)
        return 2;
    if (se05x_open(argv[1], NULL, &a, &e) != SE05X_OK || strcmp(se05x_link_mode(a), "platform-scp03")) {
        fprintf(stderr, "open A: %s (%s)\n", e.msg, a ? se05x_link_mode(a) : "-");
        return 1;
    }
    if (check(a, id, "A", &d))
        return 1;
    if (check(a, id, "A", &d) || d != 1) {
        fprintf(stderr, "steady state: %d APDUs per command\n", d);
        return 1;
    }
    printf("steady %d\n", d);
    if (se05x_open(argv[1], NULL, &b, &e) != SE05X_OK) { /* SELECT: ends A's channel */
        fprintf(stderr, "open B: %s\n", e.msg);
        return 1;
    }
    for (int i = 0; i < 3 && !rc; i++) {
        se05x_session *s = i % 2 ? b : a;
        const char *n = i % 2 ? "B" : "A";
        rc = check(s, id, n, &d);
        if (!rc && d > 1)
            printf("reauth %s %d\n", n, d);
        if (!rc && d < 4) {
            fprintf(stderr, "%s: %d APDUs after the other session used the chip (no re-authentication?)\n", n, d);
            rc = 1;
        }
    }
    se05x_close(a);
    se05x_close(b);
    return rc;
}
